import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Client } from 'ssh2';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProfileStore } from '../profiles';
import { instancePaths } from '../hypervisor/qemu/instance/instance-store';
import { labDestroy, labStatus, labUp, listLabs } from './index';
import { labDriver, labExec, labExecOk, labTestContext } from './testing';

/**
 * The lab VM itself, booted by test-global-setup.ts: reuse of the image and
 * the instance, the profile, the recorded host key, and the deliberately
 * weak baseline that the hardening steps start from.
 */
describe('lab VM', () => {
  beforeAll(async () => {
    const { home, info } = labTestContext();
    await labUp({ name: info.name, home });
  });

  it('a second lab up reuses the image and the running instance, and only checks SSH', async () => {
    const { home, info } = labTestContext();
    const t = Date.now();
    const again = await labUp({ name: info.name, home });
    const seconds = (Date.now() - t) / 1000;
    process.stderr.write(`[lab] second lab up on a running VM: ${seconds.toFixed(1)} s\n`);
    expect(again.timings.imageBuilt).toBe(false);
    expect(again.timings.createSeconds).toBeUndefined();
    expect(again.timings.bootSeconds).toBeUndefined();
    expect(again).toMatchObject({ name: info.name, port: info.port, hostKeyFingerprint: info.hostKeyFingerprint, keyPath: info.keyPath, hypervisor: 'qemu', vm: info.name, state: 'running' });
    expect(seconds).toBeLessThan(30);
  });

  it('registered the connection profile with the recorded host key pinned', async () => {
    const { home, info } = labTestContext();
    const p = await new ProfileStore(home).get(info.name);
    expect(p).toMatchObject({
      name: info.name,
      host: '127.0.0.1',
      port: info.port,
      user: 'lab',
      auth: { kind: 'key', keyPath: info.keyPath },
      hypervisor: { kind: 'qemu', vm: info.name },
      pinnedHostKey: info.hostKey,
      origin: 'lab',
    });
  });

  it('presents exactly the host key recorded before its first boot', () => {
    const { info } = labTestContext();
    const scanned = execFileSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(info.port), '127.0.0.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const line = scanned.split('\n').find((l) => l.includes('ssh-ed25519'))!;
    expect(line.split(' ').slice(1, 3).join(' ')).toBe(info.hostKey);
    const fp = execFileSync('ssh-keygen', ['-lf', '-'], { input: line, encoding: 'utf8' }).split(' ')[1];
    expect(fp).toBe(info.hostKeyFingerprint);
  });

  it('boots the older kernel from bookworm main, with only main in its sources', async () => {
    const { info } = labTestContext();
    const release = (await labExecOk(['uname', '-r'])).trim();
    expect(release).toBe(info.kernel);
    expect(release).toMatch(/^6\.1\.0-\d+-cloud-amd64$/);
    expect(await labExecOk(['cat', '/etc/apt/sources.list'])).toBe('deb http://deb.debian.org/debian bookworm main\n');
    // The boot loader is the disk's own: extlinux following Debian's /vmlinuz symlink.
    expect((await labExecOk(['cat', '/proc/cmdline'])).trim()).toMatch(/^BOOT_IMAGE=\/vmlinuz .*root=\/dev\/vda1/);
    expect((await labExecOk(['readlink', '/vmlinuz'])).trim()).toBe(`boot/vmlinuz-${release}`);
  });

  it('starts from a weak baseline: root and passwords over SSH, lab sudo without password, labpw with one', async () => {
    const eff = await labExecOk(['sudo', '-n', '/usr/sbin/sshd', '-T']);
    expect(eff).toMatch(/^permitrootlogin yes$/m);
    expect(eff).toMatch(/^passwordauthentication yes$/m);
    expect((await labExecOk(['sudo', '-n', 'id', '-u'])).trim()).toBe('0');
    expect((await labExec(['sudo', '-n', '-u', 'labpw', 'sudo', '-n', 'true'])).code).not.toBe(0);
    expect((await labExecOk('sudo -n -u labpw sh -c "echo labpw | sudo -S -p \'\' id -u"')).trim()).toBe('0');
    // Usual modules load; sysctls are the kernel's defaults.
    expect(await labExecOk(['sudo', '-n', 'modprobe', '-n', '-v', 'dccp'])).toMatch(/^insmod \S*\/dccp\.ko/m);
    expect((await labExecOk(['/usr/sbin/sysctl', '-n', 'kernel.kptr_restrict'])).trim()).toBe('0');
  });

  it('accepts root with the password "lab" over SSH (checked with ssh2 against the pinned key)', async () => {
    const { info } = labTestContext();
    const pinned = Buffer.from(info.hostKey.split(' ')[1]!, 'base64');
    const out = await new Promise<string>((resolve, reject) => {
      const c = new Client();
      c.on('ready', () => {
        c.exec('id -un', (err, stream) => {
          if (err) return reject(err);
          let text = '';
          stream.on('data', (b: Buffer) => (text += b.toString()));
          stream.on('close', () => {
            c.end();
            resolve(text.trim());
          });
        });
      });
      c.on('error', reject);
      c.connect({
        host: info.host,
        port: info.port,
        username: 'root',
        password: 'lab',
        readyTimeout: 60_000,
        algorithms: { serverHostKey: ['ssh-ed25519'] },
        hostVerifier: (key: Buffer) => key.equals(pinned),
      });
    });
    expect(out).toBe('root');
  });

  it('is offered a newer kernel once bookworm-security is in its sources (tried in a snapshot, then restored)', async () => {
    const { info } = labTestContext();
    const d = labDriver();
    const snap = await d.takeSnapshot(info.name, 'before apt test');
    try {
      await labExecOk(['sudo', '-n', 'sh', '-c', 'echo "deb http://deb.debian.org/debian-security bookworm-security main" > /etc/apt/sources.list.d/security.list']);
      await labExecOk(['sudo', '-n', 'apt-get', 'update', '-qq'], { timeoutMs: 600_000 });
      const sim = await labExecOk(['apt-get', '-s', 'install', 'linux-image-cloud-amd64'], { timeoutMs: 300_000 });
      const offered = /^Inst linux-image-(\d+\.\d+\.\d+-\d+)-cloud-amd64 /m.exec(sim)?.[1];
      process.stderr.write(`[lab] kernel offered by bookworm-security: ${offered ?? 'none'} (running ${info.kernel})\n`);
      expect(offered).toBeDefined();
      expect(`${offered}-cloud-amd64`).not.toBe(info.kernel);
    } finally {
      await d.restoreSnapshot(info.name, snap.id);
      await d.deleteSnapshot(info.name, snap.id);
    }
    expect((await labExec(['test', '-e', '/etc/apt/sources.list.d/security.list'])).code).toBe(1);
  });

  it('reports its status and lists itself', async () => {
    const { info } = labTestContext();
    const st = await labStatus(info.name);
    expect(st).toMatchObject({ name: info.name, exists: true, state: 'running', imageCached: true, port: info.port, accel: info.accel });
    expect(st.pid).toBeGreaterThan(0);
    expect((await listLabs()).map((l) => l.name)).toContain(info.name);
    expect(await labStatus('never-made')).toMatchObject({ exists: false, state: 'absent' });
  });

  it('creates a second instance from the cached image quickly, boots it, and destroys it with its profile', async () => {
    const { home } = labTestContext();
    const name = 'lab-reuse';
    const t = Date.now();
    const other = await labUp({ name, home });
    process.stderr.write(`[lab] second instance from the cached image: create ${other.timings.createSeconds} s, SSH banner ${other.timings.bannerSeconds} s, login ${other.timings.bootSeconds} s, total ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    try {
      expect(other.timings.imageBuilt).toBe(false);
      expect(other.timings.createSeconds).toBeLessThan(20);
      expect(other.hostKeyFingerprint).not.toBe(labTestContext().info.hostKeyFingerprint);
      expect(other.port).not.toBe(labTestContext().info.port);
    } finally {
      const r = await labDestroy(name, { home });
      expect(r).toEqual({ destroyed: true, imageDeleted: false });
    }
    expect(existsSync(instancePaths(name, home).dir)).toBe(false);
    expect((await new ProfileStore(home).list()).some((p) => p.name === name)).toBe(false);
    expect((await labStatus(name)).imageCached).toBe(true);
  });
});
