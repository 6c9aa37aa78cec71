import { ErrorBox } from '../../components/ErrorBox';
import { OpProgress } from '../../components/OpProgress';
import { formatDuration } from '../../lib/format';
import { emptyTrialRun, useApp } from '../../store';

/**
 * "Find the culprit": the bisection of a failed trial. Each round restores the
 * trial's baseline and applies half of the remaining settings; the rounds
 * show what was tried and what broke. Cancel is safe at any time: the VM goes
 * back to the baseline.
 */
export function BisectionPanel({ profile }: { profile: string }) {
  const run = useApp((s) => s.trials[profile] ?? emptyTrialRun);
  const connected = useApp((s) => s.connections[profile]?.state === 'connected');
  const bisect = useApp((s) => s.bisectTrial);
  const tryWithout = useApp((s) => s.tryWithoutCulprit);
  const b = run.bisection;
  const units = run.result?.trial?.units.length ?? 0;

  return (
    <section className="panel bisection" aria-label="Bisection">
      <div className="panel-header">
        <h3>Which setting is to blame?</h3>
        {!run.bisecting && !b && (
          <button type="button" className="primary" onClick={() => void bisect(profile)} disabled={!connected || run.running}>
            Find the culprit
          </button>
        )}
      </div>
      {!run.bisecting && !b && (
        <p className="small muted">
          Restores the trial’s baseline and applies halves of its {units} settings until one is left that breaks it on its own: about {Math.max(1, Math.ceil(Math.log2(Math.max(units, 2))))} rounds.
        </p>
      )}
      {run.bisecting && run.bisectOpId && <OpProgress opId={run.bisectOpId} title="Bisecting: each round starts from the baseline" logHeight="md" />}
      {run.bisectError && <ErrorBox error={run.bisectError} title="The bisection stopped" compact />}
      {b && (
        <>
          <p className="strong" role="status">
            {b.outcome === 'found'
              ? b.combination
                ? `No single setting breaks it alone: these break it together: ${b.culprit.join(', ')}.`
                : `The culprit: ${b.culprit.join(', ')}, found in ${b.rounds.length} rounds (at most ${b.roundBound} for ${b.units.length} settings).`
              : b.outcome === 'cancelled'
                ? 'Cancelled: the VM is back at the baseline.'
                : 'The failure did not happen again when the whole policy was re-applied: nothing to bisect.'}
          </p>
          <table className="table" aria-label="Bisection rounds">
            <thead>
              <tr>
                <th scope="col">Round</th>
                <th scope="col">Tried</th>
                <th scope="col">Outcome</th>
                <th scope="col">What failed</th>
                <th scope="col">Time</th>
              </tr>
            </thead>
            <tbody>
              {b.rounds.map((r) => (
                <tr key={r.round}>
                  <td>{r.round}</td>
                  <td className="mono small">{r.tried.length <= 4 ? r.tried.join(', ') : `${r.tried.length} settings: ${r.tried.slice(0, 3).join(', ')}…`}</td>
                  <td>
                    <span className={r.outcome === 'broke' ? 'pill bad' : 'pill ok'}>{r.outcome}</span>
                  </td>
                  <td className="small">{r.failed.join(', ') || '–'}</td>
                  <td className="small">{formatDuration(r.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="small muted">The VM is back at the baseline “{b.baseline.name}”.</p>
          {b.outcome === 'found' && (
            <div className="form-actions">
              <button type="button" className="primary" onClick={() => void tryWithout(profile)} disabled={!connected || run.planning}>
                Preview the policy without it
              </button>
              <span className="small muted mono">without {b.suggestion.without.join(', ')}</span>
            </div>
          )}
        </>
      )}
    </section>
  );
}
