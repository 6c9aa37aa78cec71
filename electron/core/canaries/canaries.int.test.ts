import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { labExec, labExecOk, labTestContext } from '../lab/testing';
import { run } from '../proc';
import { sysctlStep } from '../steps/sysctl/step';
import { useCleanLab } from '../testing/lab-core';
import { CanaryStore } from './store';

// Canaries and the reboot proof on the real lab VM, through the sysctl step:
// the lab starts with kernel.kptr_restrict = 0, which the step sets to 2.
const core = useCleanLab('canaries', { steps: [sysctlStep] });
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const CLI = join(root, 'electron', 'cli', 'hardenlab.mjs');

function cli(args: string[]) {
  return run(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, HARDENLAB_HOME: labTestContext().home }, timeoutMs: 180_000 });
}

const kptr = async () => (await labExecOk(['cat', '/proc/sys/kernel/kptr_restrict'])).trim();
const bootId = async () => (await labExecOk(['cat', '/proc/sys/kernel/random/boot_id'])).trim();

// A root monitoring agent that resolves kernel symbols from /proc/kallsyms: real addresses under
// kptr_restrict = 0, only zeros under 2. The pipe and the quotes reach sh as one argument.
const AGENT = ['sh', '-c', `awk '$3 == "_text" {print $1}' /proc/kallsyms | grep -q '[1-9a-f]'`];

// Something that holds only until a reboot: a unit that puts the old value back at every boot, after systemd-sysctl.
const UNIT = '/etc/systemd/system/agent-compat.service';
const UNIT_TEXT = `[Unit]
Description=Monitoring agent compatibility (test): kernel addresses for the agent
After=systemd-sysctl.service

[Service]
Type=oneshot
ExecStart=/sbin/sysctl -w kernel.kptr_restrict=0

[Install]
WantedBy=multi-user.target
`;

describe('canaries on the real lab VM', () => {
  // The canaries live in the test home that every integration file shares: leave none behind.
  afterAll(() => new CanaryStore(labTestContext().home).forget('lab'));

  it('refuses hostile canaries through the CLI and runs the rest with evidence (canary run --json)', async () => {
    for (const [args, message] of [
      [['canary', 'add', 'x;reboot', '--profile', 'lab', '--', 'true'], /not a valid canary name/],
      [['canary', 'add', 'x', '--profile', 'lab', '--kind', 'ftp'], /There is no canary kind "ftp"/],
      [['canary', 'add', 'x', '--profile', 'lab', '--kind', 'service', '--unit', 'ssh;reboot'], /not a valid unit name/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const add = async (...args: string[]) => {
      const r = await cli(['canary', 'add', ...args]);
      expect(r.code, r.stderr).toBe(0);
    };
    await add('kallsyms-agent', '--profile', 'lab', '--elevated', '--', ...AGENT);
    await add('sshd-port', '--profile', 'lab', '--kind', 'tcp', '--port', '22');
    await add('sshd-unit', '--profile', 'lab', '--kind', 'service', '--unit', 'ssh.service');
    // Nothing listens there: it fails before any change and is left out of the verdict.
    await add('web', '--profile', 'lab', '--kind', 'http', '--url', 'http://127.0.0.1:8080/health', '--timeout', '3');
    // Arrives literally: a file named like the metacharacters would be created otherwise.
    await add('literal', '--profile', 'lab', '--', 'test', '!', '-e', '/tmp/$(id -u);touch /tmp/pwned');

    const r = await cli(['canary', 'run', '--profile', 'lab', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { results: Array<{ name: string; kind: string; ok: boolean; evidence: string }> };
    const by = Object.fromEntries(out.results.map((x) => [x.name, x]));
    expect(Object.keys(by)).toEqual(['ssh-login', 'kallsyms-agent', 'sshd-port', 'sshd-unit', 'web', 'literal']);
    expect(by['ssh-login']).toMatchObject({ kind: 'login', ok: true });
    expect(by['kallsyms-agent']).toMatchObject({ ok: true, evidence: 'exit 0' });
    expect(by['sshd-port']).toMatchObject({ ok: true, evidence: '127.0.0.1:22 accepted a connection' });
    expect(by['sshd-unit']).toMatchObject({ ok: true, evidence: 'ssh.service: active' });
    expect(by.web).toMatchObject({ ok: false, evidence: expect.stringMatching(/^no HTTP answer from http:\/\/127\.0\.0\.1:8080\/health/) });
    expect(by.literal).toMatchObject({ ok: true });
    expect((await labExec(['test', '-e', '/tmp/pwned'])).code).toBe(1);
  });

  it('a sysctl change that breaks the agent is reverted, and the journal names the canary with its evidence', async () => {
    const { engine, journal } = core().services;
    expect(await kptr()).toBe('0');
    const plan = await engine.plan('lab', 'sysctl', {});
    expect(plan.canaries).toEqual(['ssh-login', 'kallsyms-agent', 'sshd-port', 'sshd-unit', 'web', 'literal']);
    expect(plan.proveRebootByDefault).toBe(true);
    expect(plan.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/^Canary "web" already fails \(no HTTP answer from .*\): if it still fails before the change, it is reported and left out of the verdict\.$/));
    const r = await engine.apply('lab', plan.id, { confirmWarnings: true });
    expect(r.outcome, r.error?.message).toBe('reverted');
    expect(r.error?.message).toMatch(/Canary "kallsyms-agent" still passes \(before: exit 0; after: exit 1/);
    const rows = Object.fromEntries((r.canaries ?? []).map((c) => [c.name, c]));
    expect(rows['kallsyms-agent']).toMatchObject({ verdict: 'broke', before: { ok: true }, after: { ok: false }, definition: { kind: 'command', argv: AGENT, elevated: true } });
    expect(rows.web!.verdict).toBe('already-failing');
    expect(rows['sshd-port']!.verdict).toBe('held');
    expect(r.phases.map((p) => p.phase)).toEqual(['probe', 'canaries', 'snapshot', 'apply', 'verify', 'revert']);

    const exp = (await journal.read('lab')).experiments.find((e) => e.id === r.experimentId)!;
    expect(exp.status).toBe('reverted');
    expect(exp.result?.canaries?.find((c) => c.name === 'kallsyms-agent')?.verdict).toBe('broke');
    expect(await kptr()).toBe('0');

    // The Markdown report carries the same before/after table.
    const md = await cli(['export', 'markdown', '--profile', 'lab', '--experiment', r.experimentId]);
    expect(md.stdout).toMatch(/\| kallsyms-agent \| pass: exit 0 \| FAIL: exit 1.* \| broke \|/);
  });

  it('--prove-reboot catches a value that a unit puts back at boot, reverts, and says which unit', async () => {
    const { engine } = core().services;
    expect((await cli(['canary', 'remove', 'kallsyms-agent', '--profile', 'lab'])).code).toBe(0);
    await labExecOk(['sudo', 'sh', '-c', 'cat > "$1" && systemctl enable --quiet "$(basename "$1")"', 'sh', UNIT], { input: UNIT_TEXT });
    try {
      const plan = await engine.plan('lab', 'sysctl', {});
      const r = await engine.apply('lab', plan.id, { confirmWarnings: true, proveReboot: true });
      expect(r.outcome, r.error?.message).toBe('reverted');
      expect(r.phases.map((p) => [p.phase, p.ok])).toEqual([
        ['probe', true],
        ['canaries', true],
        ['snapshot', true],
        ['apply', true],
        ['verify', true],
        ['reboot-proof', false],
        ['revert', true],
      ]);
      expect(r.rebootProof).toMatchObject({ ok: false, lost: ['kernel.kptr_restrict = 2'] });
      expect(r.rebootProof!.bootIdAfter).not.toBe(r.rebootProof!.bootIdBefore);
      expect(r.rebootProof!.reasons).toEqual([`kernel.kptr_restrict is 0 after the boot: ${UNIT} sets it at boot, outside sysctl.d`]);
      expect(r.error?.message).toMatch(/^Does not survive a reboot \(kernel\.kptr_restrict is 0 after the boot: .*agent-compat\.service/);
      expect(await kptr()).toBe('0');
    } finally {
      await labExecOk(['sudo', 'sh', '-c', 'systemctl disable --quiet agent-compat.service; rm -f "$1"', 'sh', UNIT]);
    }
  });

  it('with every canary green, --prove-reboot ends verified after a real reboot (the boot id changed)', async () => {
    const before = await bootId();
    const r = await cli(['apply', 'sysctl', '--profile', 'lab', '--yes', '--prove-reboot', '--json']);
    core().services.connections.forget('lab');
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const result = JSON.parse(r.stdout) as { outcome: string; rebootProof: { ok: boolean; bootIdBefore: string; bootIdAfter: string }; canaries: Array<{ name: string; verdict: string; afterReboot?: { ok: boolean } }>; phases: Array<{ phase: string }> };
    expect(result.outcome).toBe('verified');
    expect(result.rebootProof).toMatchObject({ ok: true, bootIdBefore: before });
    expect(result.rebootProof.bootIdAfter).toBe(await bootId());
    expect(result.rebootProof.bootIdAfter).not.toBe(before);
    expect(result.phases.map((p) => p.phase)).toContain('reboot-proof');
    expect(result.canaries.map((c) => [c.name, c.verdict, c.afterReboot?.ok])).toEqual([
      ['ssh-login', 'held', true],
      ['sshd-port', 'held', true],
      ['sshd-unit', 'held', true],
      ['web', 'already-failing', false],
      ['literal', 'held', true],
    ]);
    expect(await kptr()).toBe('2');
    // Progress went to stderr, one line per phase, the reboot proof among them.
    expect(r.stderr).toMatch(/reboot-proof/);
  });
});
