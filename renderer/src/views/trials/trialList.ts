import type { ExperimentShape } from '../../../../shared/domain';

export interface TrialRow {
  id: string;
  policy: string;
  outcome: string;
  startedAt: string;
  baseline: string | null;
  scoreAfter: { passed: number; total: number } | null;
  durationMs: number;
  resultSnapshot: { id: string; name: string } | null;
}

/** The journal's trials (not the bisection rounds), newest first. */
export function trialsOf(experiments: readonly ExperimentShape[]): TrialRow[] {
  return experiments
    .filter((e) => e.result?.trial && !e.result.bisection)
    .map((e) => {
      const r = e.result!;
      const t = r.trial!;
      return {
        id: e.id,
        policy: t.policy.title,
        outcome: r.outcome,
        startedAt: e.startedAt,
        baseline: t.baseline?.name ?? null,
        scoreAfter: t.auditAfter?.score ?? null,
        durationMs: r.durationMs,
        resultSnapshot: t.resultSnapshot,
      };
    })
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
