import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile';
import { labExec, labExecOk } from '../lab/testing';
import { lockoutStep } from '../steps/ssh/lockout';
import { sshStep } from '../steps/ssh/step';
import { sysctlStep } from '../steps/sysctl/step';
import { useCleanLab } from '../testing/lab-core';

// The in-guest dead-man's switch on the real lab VM (systemd), through a
// profile that reaches the VM without its hypervisor: no snapshot to fall
// back on. A change that locks the operator out is put back by the switch,
// once fired by the engine, once by its own timer after sshd was killed.
const DEADLINE_S = 40;
const core = useCleanLab('deadman', { steps: [sshStep, lockoutStep, sysctlStep] });
let saved: string | undefined;

beforeAll(async () => {
  saved = process.env.HARDENLAB_DEADMAN_SECONDS;
  process.env.HARDENLAB_DEADMAN_SECONDS = String(DEADLINE_S);
  const { hypervisor: _hypervisor, ...lab } = await core().services.profiles.get('lab');
  await core().services.profiles.save({ ...lab, name: 'lab-bare' } as Profile);
});
afterAll(() => {
  if (saved === undefined) delete process.env.HARDENLAB_DEADMAN_SECONDS;
  else process.env.HARDENLAB_DEADMAN_SECONDS = saved;
});

const sshdConfig = () => labExecOk(['sudo', 'sh', '-c', 'cat /etc/ssh/sshd_config; ls /etc/ssh/sshd_config.d']);
const switches = async () => (await labExecOk(['sudo', 'sh', '-c', 'ls /var/lib/hardenlab/deadman 2>/dev/null; systemctl list-timers --all --no-legend "hardenlab-deadman-*" 2>/dev/null; true'])).trim();

describe("the in-guest dead-man's switch on the real lab VM, without a hypervisor", () => {
  it('says which net protects each plan; refuses what the switch cannot take back', async () => {
    const { engine } = core().services;
    const ssh = await engine.plan('lab-bare', 'ssh', {});
    expect(ssh.safetyNet).toMatchObject({ kind: 'switch', message: expect.stringMatching(/dead-man's switch puts .*00-hardenlab\.conf back and restarts ssh after 40 s/) });
    expect((await engine.plan('lab', 'ssh', {})).safetyNet?.kind).toBe('snapshot+switch');
    const sysctl = await engine.plan('lab-bare', 'sysctl', {});
    expect(sysctl.safetyNet).toMatchObject({ kind: 'none', message: expect.stringMatching(/runs `sysctl -p/) });
    await expect(engine.apply('lab-bare', sysctl.id, { confirmWarnings: true })).rejects.toMatchObject({ code: 'NO_WAY_BACK' });
    await expect(engine.apply('lab-bare', ssh.id, { confirmWarnings: true, proveReboot: true })).rejects.toMatchObject({ code: 'NO_WAY_BACK', message: expect.stringMatching(/does not outlive a reboot/) });
  });

  it('a lock-out (AllowUsers nobody) is put back by the switch, fired at once; the login works again and the journal says so', async () => {
    const { engine, journal } = core().services;
    const before = await sshdConfig();
    const plan = await engine.plan('lab-bare', 'ssh-lockout', {});
    const t0 = Date.now();
    const r = await engine.apply('lab-bare', plan.id, { confirmWarnings: true });
    expect(r.outcome, JSON.stringify(r.error)).toBe('reverted');
    expect(r.snapshot).toBeNull();
    expect(r.deadman).toMatchObject({ manager: 'systemd', deadlineS: DEADLINE_S, outcome: 'restored', firedBy: 'engine' });
    expect(Date.now() - t0).toBeLessThan(DEADLINE_S * 1000 + 60_000);
    expect(r.phases.map((p) => p.phase)).toEqual(expect.arrayContaining(['arm', 'apply', 'verify', 'revert']));
    expect(r.checks.find((c) => c.name === "The dead-man's switch put the change back")).toMatchObject({ ok: true });
    expect((await labExec(['true'])).code).toBe(0);
    expect(await sshdConfig()).toBe(before);
    expect(await switches()).toBe('');
    const exp = (await journal.read('lab-bare')).experiments.find((e) => e.id === r.experimentId)!;
    expect(exp.status).toBe('reverted');
    expect(exp.log.map((l) => l.message).join('\n')).toMatch(/Restored by the in-guest dead-man's switch \(fired by Harden Lab as soon as the change failed\)/);
  });

  it('with sshd killed right after the reload, the switch\'s own timer still restores, and sshd runs again', async () => {
    const { engine, journal } = core().services;
    const before = await sshdConfig();
    // In the guest, over a session of its own: kill every sshd two seconds after the lock-out lands.
    const killer = labExec(['sh', '-c', 'for i in $(seq 600); do grep -rqs "AllowUsers nobody" /etc/ssh && { sleep 2; sudo pkill -x sshd; exit 0; }; sleep 0.2; done'], { timeoutMs: 5 * 60_000 });
    const plan = await engine.plan('lab-bare', 'ssh-lockout', {});
    const r = await engine.apply('lab-bare', plan.id, { confirmWarnings: true });
    await killer.catch(() => undefined);
    expect(r.outcome, JSON.stringify(r.error)).toBe('reverted');
    expect(r.deadman).toMatchObject({ outcome: 'restored', firedBy: 'timer' });
    // The guest's clock is not this machine's (a restored snapshot brings back its old time): measure here.
    expect(r.durationMs).toBeGreaterThanOrEqual((DEADLINE_S - 2) * 1000);
    expect((await labExecOk(['systemctl', 'is-active', 'ssh'])).trim()).toBe('active');
    expect(await sshdConfig()).toBe(before);
    expect(await switches()).toBe('');
    const exp = (await journal.read('lab-bare')).experiments.find((e) => e.id === r.experimentId)!;
    expect(exp.log.map((l) => l.message).join('\n')).toMatch(/Restored by the in-guest dead-man's switch \(its own timer, at its 40 s deadline\)/);
  });

  it('a change that holds is proved by the fresh login and the switch is disarmed: it never fires', async () => {
    const { engine } = core().services;
    const plan = await engine.plan('lab-bare', 'ssh', {});
    const r = await engine.apply('lab-bare', plan.id, { confirmWarnings: true });
    expect(r.outcome, JSON.stringify(r.error)).toBe('verified');
    expect(r.deadman).toMatchObject({ outcome: 'disarmed' });
    expect(await switches()).toBe('');
    await new Promise((res) => setTimeout(res, (DEADLINE_S + 5) * 1000));
    expect((await labExecOk(['sudo', 'sshd', '-T'])).match(/^permitrootlogin (\S+)$/m)?.[1]).toBe('no');
  });
});
