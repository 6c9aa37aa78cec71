import { ErrorBox } from '../components/ErrorBox';
import { useNow } from '../hooks/useNow';
import { formatDateTime, formatRelative } from '../lib/format';
import { currentSnapshot } from '../lib/snapshotTree';
import { useApp } from '../store';

export function SnapshotCard({ profile }: { profile: string }) {
  const hasHv = useApp((s) => !!s.profiles.find((x) => x.name === profile)?.hypervisor);
  const list = useApp((s) => s.snapshotLists[profile]);
  const setView = useApp((s) => s.setView);
  const openRevert = useApp((s) => s.openRevertDialog);
  const now = useNow(true, 60_000);
  const current = currentSnapshot(list?.data);
  if (!hasHv) return null;
  return (
    <article className="card" aria-labelledby="card-snap">
      <div className="card-head">
        <h2 id="card-snap">Snapshot</h2>
      </div>
      {list?.error && <ErrorBox error={list.error} compact />}
      {!list?.data && !list?.error && <div className="skeleton-line" aria-label="Loading snapshots" />}
      {list?.data && (
        <>
          {current ? (
            <p>
              The VM descends from <strong>“{current.name}”</strong>
              {current.createdAt && (
                <span className="muted">
                  {' '}
                  · taken {formatDateTime(current.createdAt)} ({formatRelative(current.createdAt, now)})
                </span>
              )}
              .
            </p>
          ) : (
            <p className="muted">{list.data.snapshots.length === 0 ? 'No snapshot yet: take a baseline before the first change.' : 'No current snapshot.'}</p>
          )}
          <p className="muted small">
            {list.data.snapshots.length} {list.data.snapshots.length === 1 ? 'snapshot' : 'snapshots'} in total.
          </p>
        </>
      )}
      <div className="card-actions">
        <button type="button" onClick={() => setView('snapshots')}>
          Snapshots
        </button>
        <button type="button" onClick={() => openRevert(null)} disabled={!list?.data || list.data.snapshots.length === 0}>
          Revert…
        </button>
      </div>
    </article>
  );
}
