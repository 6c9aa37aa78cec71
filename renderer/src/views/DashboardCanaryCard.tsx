import { useEffect } from 'react';
import { ErrorBox } from '../components/ErrorBox';
import { Icon } from '../components/Icon';
import { useNow } from '../hooks/useNow';
import { formatRelative } from '../lib/format';
import { emptyCanaries, useApp } from '../store';

/** The canaries' current state: does the VM still do its job right now? */
export function CanaryCard({ profile }: { profile: string }) {
  const entry = useApp((s) => s.canaries[profile] ?? emptyCanaries);
  const load = useApp((s) => s.loadCanaries);
  const run = useApp((s) => s.runCanaries);
  const connected = useApp((s) => s.connections[profile]?.state === 'connected');
  const setView = useApp((s) => s.setView);
  const now = useNow(true, 60_000);
  useEffect(() => {
    if (entry.list === null && !entry.loading && !entry.error) void load(profile);
  }, [profile, entry.list, entry.loading, entry.error, load]);
  const results = entry.lastRun?.results ?? [];
  const failing = results.filter((r) => !r.ok);

  return (
    <article className="card" aria-labelledby="card-canaries">
      <div className="card-head">
        <h2 id="card-canaries">Canaries</h2>
        <button type="button" className="small" onClick={() => void run(profile)} disabled={!connected || entry.running}>
          {entry.running ? 'Running…' : entry.lastRun ? 'Run again' : 'Run canaries'}
        </button>
      </div>
      {entry.error && <ErrorBox error={entry.error} compact />}
      {entry.runError && <ErrorBox error={entry.runError} compact />}
      <p className="muted small">
        {(entry.list?.length ?? 0) + 1} canar{(entry.list?.length ?? 0) === 0 ? 'y' : 'ies'} (the SSH login is built in){entry.lastRun ? ` · last run ${formatRelative(entry.lastRun.at, now)}` : ' · not run yet'}
      </p>
      {entry.lastRun && (
        <p>
          <span className={failing.length ? 'pill bad' : 'pill ok'}>{failing.length ? `${failing.length} failing` : 'all pass'}</span>
        </p>
      )}
      {failing.length > 0 && (
        <ul className="failing-checks" aria-label="Failing canaries">
          {failing.map((r) => (
            <li key={r.name}>
              <Icon name="x" className="bad-icon" />
              <span className="mono">{r.name}</span>
              <span className="small muted">{r.evidence}</span>
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="linkish small" onClick={() => setView('canaries')}>
        Manage canaries
      </button>
    </article>
  );
}
