import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extlinuxConf, FW_CFG_AUTHORIZED_KEYS, guestFiles, KERNEL_CMDLINE, secretsScript, secretsUnit } from './guest-files';

describe('guest files', () => {
  const byPath = Object.fromEntries(guestFiles().map((f) => [f.path, f]));

  it('keeps only bookworm main in the sources, so the older kernel boots and an upgrade is real', () => {
    expect(byPath['/etc/apt/sources.list']?.content).toBe('deb http://deb.debian.org/debian bookworm main\n');
  });

  it('ships the weak SSH baseline as a drop-in that wins over sshd_config', () => {
    const f = byPath['/etc/ssh/sshd_config.d/50-cloud-init.conf']!;
    expect(f.content).toMatch(/^PasswordAuthentication yes$/m);
    expect(f.content).toMatch(/^PermitRootLogin yes$/m);
  });

  it('gives lab passwordless sudo and nobody else', () => {
    const f = byPath['/etc/sudoers.d/90-hardenlab-lab']!;
    expect(f.mode).toBe(0o440);
    expect(f.content.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['lab ALL=(ALL:ALL) NOPASSWD: ALL']);
  });

  it('brings eth0 up by DHCP when it appears', () => {
    expect(byPath['/etc/network/interfaces']?.content).toMatch(/allow-hotplug eth0\niface eth0 inet dhcp/);
    expect(KERNEL_CMDLINE).toContain('net.ifnames=0');
    expect(KERNEL_CMDLINE).toContain('root=/dev/vda1');
  });

  it('boots the /vmlinuz symlinks Debian maintains, with the previous kernel as fallback', () => {
    const conf = extlinuxConf();
    expect(conf).toMatch(/LABEL debian\n {2}LINUX \/vmlinuz\n {2}INITRD \/initrd\.img\n/);
    expect(conf).toMatch(/LABEL debian-old\n {2}LINUX \/vmlinuz\.old\n {2}INITRD \/initrd\.img\.old\n/);
    expect(conf).toMatch(/^DEFAULT debian$/m);
    expect(byPath['/boot/extlinux/extlinux.conf']?.content).toBe(conf);
  });

  it('orders the secrets unit before sshd', () => {
    expect(secretsUnit()).toMatch(/^Before=ssh\.service$/m);
    expect(secretsUnit()).toMatch(/^WantedBy=multi-user\.target$/m);
  });

  it('gives each instance its own machine id and no build-host resolver', () => {
    expect(byPath['/etc/machine-id']?.content).toBe('');
    expect(byPath['/etc/resolv.conf']?.content).toBe('');
  });
});

/** The guest script, run for real by dash on this machine against a fake fw_cfg tree. */
describe('instance secrets script', () => {
  let dir: string;
  const me = userInfo().username;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hl-secrets-'));
    for (const d of ['fw', 'state', 'ssh']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'script.sh'), secretsScript());
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function item(name: string, content: string): void {
    mkdirSync(join(dir, 'fw', name), { recursive: true });
    writeFileSync(join(dir, 'fw', name, 'raw'), content);
  }

  function runScript(env: Record<string, string> = {}) {
    return spawnSync('dash', [join(dir, 'script.sh')], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HARDENLAB_FW_DIR: join(dir, 'fw'),
        HARDENLAB_STATE_DIR: join(dir, 'state'),
        HARDENLAB_SSH_DIR: join(dir, 'ssh'),
        HARDENLAB_LAB_USER: env.HARDENLAB_LAB_USER ?? 'hardenlab-no-such-user',
        ...env,
      },
    });
  }

  it('is valid POSIX sh', () => {
    expect(spawnSync('dash', ['-n', join(dir, 'script.sh')]).status).toBe(0);
  });

  it('installs host keys once with the right modes, and leaves later changes alone', () => {
    item('ssh_host_ed25519_key', 'PRIVATE-1\n');
    item('ssh_host_ed25519_key.pub', 'ssh-ed25519 AAAA1 root@hardenlab\n');
    const first = runScript();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`installed ${join(dir, 'ssh')}/ssh_host_ed25519_key\n`);
    expect(readFileSync(join(dir, 'ssh', 'ssh_host_ed25519_key'), 'utf8')).toBe('PRIVATE-1\n');
    expect(statSync(join(dir, 'ssh', 'ssh_host_ed25519_key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ssh', 'ssh_host_ed25519_key.pub')).mode & 0o777).toBe(0o644);

    // The guest removes a key (a hardening step): a reboot with the same items must not bring it back.
    rmSync(join(dir, 'ssh', 'ssh_host_ed25519_key.pub'));
    const second = runScript();
    expect(second.status).toBe(0);
    expect(second.stdout).not.toContain('installed');
    expect(() => statSync(join(dir, 'ssh', 'ssh_host_ed25519_key.pub'))).toThrow();

    // New content (a new instance from the same image) is installed.
    item('ssh_host_ed25519_key', 'PRIVATE-2\n');
    const third = runScript();
    expect(third.stdout).toContain('ssh_host_ed25519_key\n');
    expect(readFileSync(join(dir, 'ssh', 'ssh_host_ed25519_key'), 'utf8')).toBe('PRIVATE-2\n');
  });

  it('does nothing and succeeds without fw_cfg items', () => {
    rmSync(join(dir, 'fw'), { recursive: true });
    const r = runScript();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('nothing to install');
  });

  it('appends the operator key to authorized_keys once, keeping keys already there', () => {
    const home = join(dir, 'home');
    const ak = join(home, '.ssh', 'authorized_keys');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    writeFileSync(ak, 'ssh-ed25519 AAAAexisting someone\n', { mode: 0o600 });
    item(FW_CFG_AUTHORIZED_KEYS, 'ssh-ed25519 AAAAoperator hardenlab-operator\n');
    const env = { HARDENLAB_LAB_USER: me, HARDENLAB_LAB_HOME: home };
    const r = runScript(env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const once = readFileSync(ak, 'utf8');
    expect(once).toBe('ssh-ed25519 AAAAexisting someone\nssh-ed25519 AAAAoperator hardenlab-operator\n');
    // Even with its checksum forgotten, the key is not added twice.
    rmSync(join(dir, 'state'), { recursive: true });
    mkdirSync(join(dir, 'state'));
    expect(runScript(env).status).toBe(0);
    expect(readFileSync(ak, 'utf8')).toBe(once);
  });

  it('creates .ssh and authorized_keys private to the user when absent', () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    item(FW_CFG_AUTHORIZED_KEYS, 'ssh-ed25519 AAAAoperator hardenlab-operator\n');
    expect(runScript({ HARDENLAB_LAB_USER: me, HARDENLAB_LAB_HOME: home }).status).toBe(0);
    expect(statSync(join(home, '.ssh')).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, '.ssh', 'authorized_keys')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, '.ssh', 'authorized_keys'), 'utf8')).toBe('ssh-ed25519 AAAAoperator hardenlab-operator\n');
  });
});
