import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './main';
import type { CliIO } from './io';

function capture(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTTY: false,
    env: process.env,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

async function cli(...args: string[]) {
  const io = capture();
  const code = await runCli(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

beforeAll(() => {
  process.env.HARDENLAB_HOME = mkdtempSync(join(tmpdir(), 'hl-cli-'));
});

describe('step options from the command line', () => {
  it('lists the steps, and a step\'s options with kinds and defaults', async () => {
    const all = await cli('steps');
    expect(all.code).toBe(0);
    expect(all.out).toMatch(/^ssh\s+changes\s+/m);
    const ssh = await cli('steps', 'ssh');
    expect(ssh.out).toContain('rootLogin=no|prohibit-password  (default no)');
    expect(JSON.parse((await cli('steps', 'sysctl', '--json')).out).options.map((o: { name: string }) => o.name)).toEqual(['keys', 'extra', 'restrictUserNamespaces']);
    expect((await cli('steps', 'nope')).code).toBe(2);
  });

  it('refuses a --set the step would not take before anything is sent', async () => {
    const r = await cli('plan', 'ssh', '--profile', 'nobody', '--set', 'rootLogin=yes');
    expect(r.code).toBe(2);
    expect(r.err).toContain('rootLogin is one of no, prohibit-password');
    const unknown = await cli('apply', 'kernel', '--profile', 'nobody', '--yes', '--set', 'colour=red');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('The step kernel has no option "colour". Its options: refreshIndex (boolean, default true)');
    // A good --set gets past the check: the unknown profile is what stops it then.
    expect((await cli('plan', 'ssh', '--profile', 'nobody', '--set', 'stronger=yes')).err).toMatch(/no profile named "nobody"/);
  });
});

describe('hardenlab exit codes', () => {
  it('0 for --version and help', async () => {
    expect((await cli('--version')).code).toBe(0);
    expect((await cli('--version')).out).toMatch(/^hardenlab \d+\.\d+\.\d+\n$/);
    expect(JSON.parse((await cli('--version', '--json')).out)).toHaveProperty('version');
    expect((await cli('--help')).code).toBe(0);
    expect((await cli('snapshot', '--help')).code).toBe(0);
    expect((await cli('snapshot', 'take', '--help')).out).toMatch(/Usage: hardenlab snapshot take/);
  });

  it('2 for usage errors: nothing, unknown command, unknown flag, missing argument', async () => {
    expect((await cli()).code).toBe(2);
    const unknown = await cli('bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/Unknown command "bogus"/);
    expect((await cli('snapshot')).code).toBe(2);
    expect((await cli('snapshot', 'frobnicate')).code).toBe(2);
    expect((await cli('snapshot', 'list')).err).toMatch(/--profile is required/);
    expect((await cli('snapshot', 'list')).code).toBe(2);
    expect((await cli('doctor', '--frobnicate')).code).toBe(2);
    expect((await cli('apply', 'ssh', '--profile', 'lab')).code).toBe(2);
    expect((await cli('exec', '--profile', 'lab')).code).toBe(2);
  });

  it('2 for bad input refused by the contract, with a JSON error under --json', async () => {
    const r = await cli('snapshot', 'take', '$(reboot)', '--profile', 'lab', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('BAD_INPUT');
    expect((await cli('profile', 'delete', 'nobody')).code).toBe(2);
  });

  it('2 for an unknown profile; 1 when the operation fails (no hypervisor, nothing listening)', async () => {
    const r = await cli('snapshot', 'list', '--profile', 'lab');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no profile named "lab"/);
    const { ProfileStore } = await import('../core/profiles');
    const key = join(process.env.HARDENLAB_HOME!, 'k');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    await new ProfileStore(process.env.HARDENLAB_HOME).save({ name: 'bare', host: '127.0.0.1', port: 1, user: 'lab', auth: { kind: 'key', keyPath: key } });
    const noHv = await cli('snapshot', 'list', '--profile', 'bare', '--json');
    expect(noHv.code).toBe(1);
    expect(JSON.parse(noHv.out).error.code).toBe('NO_WAY_BACK');
    const down = await cli('ssh-check', '--profile', 'bare', '--json');
    expect(down.code).toBe(1);
    expect(JSON.parse(down.out).error.code).toBe('CONNECT_FAILED');
    expect((await cli('--trust-host-key', 'nonsense', 'profile', 'list')).code).toBe(2);
    // A long operation prints its progress on stderr, one line each with the time, also under --json; --quiet keeps it still.
    const plan = await cli('plan', 'ssh', '--profile', 'bare', '--json');
    expect(plan.code).toBe(1);
    expect(plan.err).toMatch(/^\[\s+\d+\.\ds\] probe: Reading the current state of bare for "/m);
    expect(JSON.parse(plan.out).ok).toBe(false);
    expect((await cli('plan', 'ssh', '--profile', 'bare', '--quiet')).err).not.toMatch(/probe:/);
  });

  it('doctor --json prints valid JSON describing the tools', async () => {
    const r = await cli('doctor', '--json');
    expect([0, 1]).toContain(r.code);
    const report = JSON.parse(r.out);
    const names = report.tools.map((t: { name: string }) => t.name);
    for (const n of ['node', 'qemu-system-x86_64', 'VBoxManage', 'debootstrap', 'chromium']) expect(names).toContain(n);
    expect(typeof report.kvm.usable).toBe('boolean');
    for (const t of report.tools) if (!t.found) expect(t.install).toBeTruthy();
  });

  it('the installed bin runs as a real process', () => {
    const bin = resolve(__dirname, 'hardenlab.mjs');
    const r = spawnSync(process.execPath, [bin, 'profile', 'list', '--json'], { encoding: 'utf8', env: process.env });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('profiles');
    const bad = spawnSync(process.execPath, [bin, 'nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});
