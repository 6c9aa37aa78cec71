import type { CanaryComparison, CanaryResult, CanaryVerdict } from '../../../shared/canary';
import type { ApplyResultShape } from '../../../shared/domain';

/**
 * The canaries of an apply as table rows: before, after, after the reboot
 * (a column only when the reboot proof ran), and a verdict in words. Pure,
 * for the result card, the journal and the walkthrough alike.
 */
export interface CanaryCell {
  text: string;
  ok: boolean | null;
  evidence: string;
}

export interface CanaryRow {
  name: string;
  builtIn: boolean;
  before: CanaryCell;
  after: CanaryCell;
  afterReboot: CanaryCell | null;
  verdict: string;
  tone: 'ok' | 'bad' | 'muted';
}

export const VERDICT_WORDS: Record<CanaryVerdict, string> = {
  held: 'held',
  broke: 'broke',
  'broke-after-reboot': 'broke after the reboot',
  'already-failing': 'failed before the change; not counted',
  recovered: 'passes now (failed before)',
  'not-run': 'not run after the change',
};

function cell(r: { ok: boolean; evidence: string } | null | undefined): CanaryCell {
  if (!r) return { text: '—', ok: null, evidence: '' };
  return { text: r.ok ? 'pass' : 'FAIL', ok: r.ok, evidence: r.evidence };
}

export function canaryTable(list: readonly CanaryComparison[]): { rebootColumn: boolean; rows: CanaryRow[] } {
  const rebootColumn = list.some((c) => c.afterReboot);
  return {
    rebootColumn,
    rows: list.map((c) => ({
      name: c.name,
      builtIn: c.kind === 'login',
      before: cell(c.before),
      after: cell(c.after),
      afterReboot: rebootColumn ? cell(c.afterReboot) : null,
      verdict: VERDICT_WORDS[c.verdict],
      tone: c.verdict === 'broke' || c.verdict === 'broke-after-reboot' ? 'bad' : c.verdict === 'held' || c.verdict === 'recovered' ? 'ok' : 'muted',
    })),
  };
}

/**
 * The canaries as the VM stands once an apply is over, for the dashboard:
 * after a verified change its last run (after the reboot when the proof ran),
 * after a revert the run before the change, since the snapshot put that back.
 */
export function canaryStateAfter(result: Pick<ApplyResultShape, 'outcome' | 'canaries'>): CanaryResult[] | null {
  const list = result.canaries ?? [];
  if (list.length === 0 || result.outcome === 'revert-failed' || result.outcome === 'nothing-to-do') return null;
  return list.map((c) => {
    const run = result.outcome === 'reverted' ? c.before : (c.afterReboot ?? c.after ?? c.before);
    return { name: c.name, kind: c.kind, ok: run.ok, evidence: run.evidence, durationMs: 0 };
  });
}
