import type { ExperimentShape } from '../../../shared/domain';
import { unifiedDiff } from '../../../shared/diff';
import type { TrialComparisonShape } from '../../../shared/policy';
import { HardenLabError } from '../errors';

/**
 * Two or more trials side by side (pure, from the journal): their scores,
 * the units that not all of them apply, the audit checks and canaries whose
 * outcome differs, and the files they leave differently. Only trials from
 * the same baseline snapshot compare: otherwise a difference could come from
 * the starting point instead of the policies.
 */
export function compareTrials(experiments: readonly ExperimentShape[], ids: readonly string[]): TrialComparisonShape {
  if (ids.length < 2) throw new HardenLabError('BAD_INPUT', 'A comparison needs at least two trials.', { hint: '`hardenlab journal --profile P` lists the experiments; trials show their policy.' });
  const trials = ids.map((id) => {
    const e = experiments.find((x) => x.id === id);
    if (!e) throw new HardenLabError('NOT_FOUND', `There is no experiment "${id.slice(0, 100)}".`);
    if (!e.result?.trial) throw new HardenLabError('BAD_INPUT', `Experiment ${id} is not a finished trial of a policy.`);
    return { e, r: e.result, t: e.result.trial };
  });
  const base = trials[0]!.t.baseline;
  if (!base) throw new HardenLabError('BAD_INPUT', `Trial ${ids[0]} has no baseline snapshot.`);
  const other = trials.find((x) => x.t.baseline?.id !== base.id);
  if (other) {
    throw new HardenLabError('BAD_INPUT', `Trial ${other.e.id} started from "${other.t.baseline?.name ?? 'no snapshot'}", not from "${base.name}": only trials from the same baseline compare.`, {
      hint: 'Run the second trial with --from the first one\u2019s baseline snapshot.',
    });
  }

  const allUnits = [...new Set(trials.flatMap((x) => x.t.units))];
  const settings = allUnits.map((unit) => ({ unit, in: trials.map((x) => x.t.units.includes(unit)) })).filter((s) => !s.in.every(Boolean));

  const checkIds = [...new Set(trials.flatMap((x) => x.t.auditAfter?.checks.map((c) => c.id) ?? []))];
  const checks = checkIds
    .map((id) => {
      const found = trials.map((x) => x.t.auditAfter?.checks.find((c) => c.id === id));
      return { id, title: found.find(Boolean)!.title, status: found.map((c) => c?.status ?? null) };
    })
    .filter((c) => new Set(c.status).size > 1);

  const canaryNames = [...new Set(trials.flatMap((x) => x.r.canaries?.map((c) => c.name) ?? []))];
  const canaries = canaryNames.map((name) => ({ name, verdicts: trials.map((x) => x.r.canaries?.find((c) => c.name === name)?.verdict ?? null) }));

  const paths = [...new Set(trials.flatMap((x) => x.t.files.map((f) => f.path)))].sort();
  const files = paths.map((path) => {
    const contents = trials.map((x) => x.t.files.find((f) => f.path === path));
    const first = contents[0];
    const missing = contents.some((c) => c === undefined);
    const same = !missing && contents.every((c) => c!.after === first!.after);
    const diffs = same ? [] : contents.slice(1).map((c) => unifiedDiff(path, first?.after ?? null, c?.after ?? null));
    return { path, state: same ? ('same' as const) : missing ? ('missing-in-some' as const) : ('differs' as const), diffs };
  });

  return {
    baseline: base,
    trials: trials.map(({ e, r, t }) => ({
      experimentId: e.id,
      policy: t.policy,
      outcome: r.outcome,
      scoreBefore: t.auditBefore,
      scoreAfter: t.auditAfter?.score ?? null,
      rebootProof: r.rebootProof ? r.rebootProof.ok : null,
      durationMs: r.durationMs,
      resultSnapshot: t.resultSnapshot,
      startedAt: e.startedAt,
    })),
    settings,
    checks,
    canaries,
    files,
  };
}
