import type { Canary } from '../../../shared/canary';
import type { ExperimentShape, PlanShape, Proof } from '../../../shared/domain';
import { HardenLabError } from '../errors';

/** One proven change as the fleet takes it: the lab's files, commands, proofs and the canaries that held. */
export interface FleetChange {
  experimentId: string;
  step: string;
  files: Array<{ path: string; content: string | null; mode?: string }>;
  commands: Array<{ argv: string[]; why: string }>;
  packages: string[];
  /** What proves it on each host (null: planned before plans carried proofs). */
  proofs: Proof[] | null;
  /** The operator's canaries that passed before and after this change in the lab. */
  canaries: Canary[];
}

/** The experiments that were proved (verified, not reverted), oldest first; one by id, or all. */
export function provenChanges(experiments: readonly ExperimentShape[], id: string | undefined): FleetChange[] {
  const proven = experiments.filter((e) => e.result?.outcome === 'verified' && e.status === 'verified' && e.plan);
  const chosen = id === undefined ? proven : proven.filter((e) => e.id === id);
  if (id !== undefined && chosen.length === 0) {
    const e = experiments.find((x) => x.id === id);
    throw new HardenLabError(e ? 'BAD_INPUT' : 'NOT_FOUND', e ? `Experiment ${id} was not verified (${e.status}): only proven changes are exported.` : `There is no experiment "${id}".`);
  }
  if (chosen.length === 0) throw new HardenLabError('NOT_FOUND', 'There is no verified experiment to export yet.', { hint: 'Apply a step in the lab first; only changes that were proved are exported.' });
  return chosen
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .map((e) => {
      const plan = e.plan as PlanShape;
      return {
        experimentId: e.id,
        step: e.step,
        files: plan.files.map((f) => ({ path: f.path, content: f.after, ...(f.mode ? { mode: f.mode } : {}) })),
        commands: plan.commands.map((c) => ({ argv: c.argv, why: c.why })),
        packages: plan.packages.install,
        proofs: plan.proofs ?? null,
        canaries: (e.result?.canaries ?? []).filter((c) => c.definition && c.verdict === 'held').map((c) => c.definition!),
      };
    });
}
