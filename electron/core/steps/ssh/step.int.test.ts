import { describe, expect, it } from 'vitest';
import { labExec } from '../../lab/testing';
import { useCleanLab } from '../../testing/lab-core';
import { lockoutStep } from './lockout';
import { sshStep } from './step';

const core = useCleanLab('ssh-step', { steps: [sshStep, lockoutStep] });

describe('ssh step on the real lab VM', () => {
  it('plans key-only SSH against the weak baseline', async () => {
    const plan = await core().services.engine.plan('lab', 'ssh', {});
    expect(plan.nothingToDo).toBe(false);
    const diff = plan.files.map((f) => f.diff).join('\n');
    expect(diff).toMatch(/\+PasswordAuthentication no/);
    expect(diff).toMatch(/\+PermitRootLogin no/);
    expect(plan.warnings.map((w) => w.kind)).toContain('lockout-risk');
    expect(plan.commands.map((c) => c.argv.join(' '))).toEqual(['/usr/sbin/sshd -t', 'systemctl reload ssh']);
  });

  it('applies inside a snapshot, proves it with sshd -T and a fresh key login, and re-plans to nothing', async () => {
    const engine = core().services.engine;
    const plan = await engine.plan('lab', 'ssh', { stronger: true });
    await expect(engine.apply('lab', plan.id)).rejects.toMatchObject({ code: 'CONFIRMATION_REQUIRED' });
    const again = await engine.plan('lab', 'ssh', { stronger: true });
    const r = await engine.apply('lab', again.id, { confirmWarnings: true });
    expect(r.error).toBeUndefined();
    expect(r.outcome).toBe('verified');
    expect(r.snapshot?.name).toMatch(/^hl-ssh-/);
    const names = r.checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.evidence}`);
    expect(r.checks.every((c) => c.ok), names.join('\n')).toBe(true);
    expect(r.checks.find((c) => c.name.includes('no longer offers password'))?.evidence).toBe('offered: publickey');
    // The old way in is closed for real: OpenSSH with a password is refused, root is refused.
    const pw = await labExec(['true'], { user: 'root' });
    expect(pw.code).not.toBe(0);
    expect((await engine.plan('lab', 'ssh', { stronger: true })).nothingToDo).toBe(true);
    const audit = await engine.audit('lab');
    expect(audit.checks.filter((c) => c.id.startsWith('ssh.')).every((c) => c.status === 'pass')).toBe(true);
  });

  it('reverts automatically when a change locks the operator out, and the journal tells the story', async () => {
    const engine = core().services.engine;
    const before = (await labExec(['cat', '/etc/ssh/sshd_config'])).stdout;
    const plan = await engine.plan('lab', 'ssh-lockout', {});
    const r = await engine.apply('lab', plan.id, { confirmWarnings: true });
    expect(r.outcome).toBe('reverted');
    expect(r.error?.code).toBe('VERIFY_FAILED');
    expect(r.checks.some((c) => !c.ok && /fresh/.test(c.name))).toBe(true);
    expect(r.phases.find((p) => p.phase === 'revert')?.ok).toBe(true);
    // Back as before: the operator gets in, and the file is what it was.
    const after = await labExec(['cat', '/etc/ssh/sshd_config']);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe(before);
    const exp = (await core().services.journal.read('lab')).experiments.find((e) => e.id === r.experimentId)!;
    expect(exp.status).toBe('reverted');
    expect(exp.log.map((l) => l.message).join('\n')).toMatch(/Wrote \/etc\/ssh/);
  });
});
