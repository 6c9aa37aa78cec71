import { useWalkthrough } from '../hooks/useWalkthrough';
import { summarize } from '../lib/walkthrough';
import { useApp } from '../store';

export function WalkthroughCard({ profile }: { profile: string }) {
  const setView = useApp((s) => s.setView);
  const sum = summarize(useWalkthrough(profile));
  return (
    <article className="card" aria-labelledby="card-walk">
      <div className="card-head">
        <h2 id="card-walk">Guided walkthrough</h2>
      </div>
      <p className="muted">The container-host hardening guide, one page at a time, each change inside a snapshot.</p>
      <div className="walk-progress-inline">
        <progress max={sum.total} value={sum.done} aria-label="Walkthrough pages done" />
        <span className="small">
          {sum.done} of {sum.total} done{sum.skipped ? `, ${sum.skipped} skipped` : ''}
        </span>
      </div>
      <div className="card-actions">
        <button type="button" className="primary" onClick={() => setView('walkthrough')}>
          {sum.done === 0 ? 'Start the walkthrough' : sum.done === sum.total ? 'Review the walkthrough' : 'Continue the walkthrough'}
        </button>
      </div>
    </article>
  );
}
