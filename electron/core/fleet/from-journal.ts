import type { ExperimentShape } from '../../../shared/domain';
import { HardenLabError } from '../errors';
import { provenChanges, type FleetChange } from './changes';

/** The proven change a rollout takes: one experiment of the journal, or one trial (`--trial` insists it is one). */
export function changesToRoll(experiments: readonly ExperimentShape[], id: string, trial: boolean): FleetChange[] {
  const e = experiments.find((x) => x.id === id);
  if (e && trial && e.step !== 'trial') throw new HardenLabError('BAD_INPUT', `Experiment ${id} is a change of the "${e.step}" step, not a trial.`, { hint: 'Use --experiment for it, or pick a trial from `hardenlab journal`.' });
  const changes = provenChanges(experiments, id);
  const unproved = changes.filter((c) => c.proofs === null);
  if (unproved.length) {
    throw new HardenLabError('BAD_INPUT', `Experiment ${id} was planned before plans carried their proofs, so a rollout could not prove it on the hosts.`, { hint: 'Plan and apply it again in the lab (or export it with `hardenlab export ansible` and run it yourself).' });
  }
  return changes;
}
