import { describe, expect, it } from 'vitest';
import { canaryStateAfter, canaryTable } from './canaryRows';

describe('the canary table', () => {
  it('shows a broken canary, one that failed before, and the reboot column only when the proof ran', () => {
    const base = [
      { name: 'ssh-login', kind: 'login' as const, before: { ok: true, evidence: 'uid 0' }, after: { ok: true, evidence: 'uid 0' }, verdict: 'held' as const },
      { name: 'agent', kind: 'command' as const, before: { ok: true, evidence: 'exit 0' }, after: { ok: false, evidence: 'exit 1' }, verdict: 'broke' as const },
      { name: 'web', kind: 'http' as const, before: { ok: false, evidence: 'no answer' }, after: { ok: false, evidence: 'no answer' }, verdict: 'already-failing' as const },
    ];
    const t = canaryTable(base);
    expect(t.rebootColumn).toBe(false);
    expect(t.rows.map((r) => [r.name, r.builtIn, r.before.text, r.after.text, r.verdict, r.tone])).toEqual([
      ['ssh-login', true, 'pass', 'pass', 'held', 'ok'],
      ['agent', false, 'pass', 'FAIL', 'broke', 'bad'],
      ['web', false, 'FAIL', 'FAIL', 'failed before the change; not counted', 'muted'],
    ]);
    const rebooted = canaryTable([{ ...base[0]!, afterReboot: { ok: true, evidence: 'uid 0' } }, { ...base[1]!, after: { ok: true, evidence: 'exit 0' }, afterReboot: { ok: false, evidence: 'exit 1' }, verdict: 'broke-after-reboot' }]);
    expect(rebooted.rebootColumn).toBe(true);
    expect(rebooted.rows[1]).toMatchObject({ afterReboot: { text: 'FAIL', evidence: 'exit 1' }, verdict: 'broke after the reboot', tone: 'bad' });
  });

  it('gives the dashboard the state the VM is left in: after a verified change, before it after a revert', () => {
    const canaries = [{ name: 'agent', kind: 'command' as const, before: { ok: true, evidence: 'exit 0' }, after: { ok: false, evidence: 'exit 1' }, verdict: 'broke' as const }];
    expect(canaryStateAfter({ outcome: 'reverted', canaries })?.[0]).toMatchObject({ name: 'agent', ok: true, evidence: 'exit 0' });
    expect(canaryStateAfter({ outcome: 'verified', canaries: [{ ...canaries[0]!, after: { ok: true, evidence: 'exit 0' }, afterReboot: { ok: true, evidence: 'exit 0 again' }, verdict: 'held' }] })?.[0]?.evidence).toBe('exit 0 again');
    expect(canaryStateAfter({ outcome: 'revert-failed', canaries })).toBeNull();
  });
});
