import { useState } from 'react';
import type { ExperimentShape } from '../../../../shared/domain';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { Icon } from '../../components/Icon';
import { OpProgress } from '../../components/OpProgress';
import type { ErrorView } from '../../api/client';
import { useNow } from '../../hooks/useNow';
import { formatDateTime, formatRelative } from '../../lib/format';
import { useApp } from '../../store';

/**
 * Experiments the journal has an intent for but no outcome: the app or the
 * VM went away mid-change. Offer the way back (revert to the pre-change
 * snapshot) or, after checking the VM, to close the record.
 */
export function OpenExperiments({ profile }: { profile: string }) {
  const journal = useApp((s) => s.journals[profile]?.data);
  if (!journal || journal.open.length === 0) return null;
  const open = journal.experiments.filter((e) => journal.open.includes(e.id));
  if (open.length === 0) return null;
  return (
    <section className="panel open-experiments" aria-labelledby="open-exp-title">
      <h2 id="open-exp-title">
        <Icon name="alert" /> {open.length === 1 ? 'An experiment was left unfinished' : `${open.length} experiments were left unfinished`}
      </h2>
      <p className="muted">
        Harden Lab stopped in the middle of a change (the app or the VM went away). Revert to the snapshot taken before it, or mark it resolved once you have checked the VM
        yourself.
      </p>
      <ul className="list">
        {open.map((e) => (
          <OpenExperimentRow key={e.id} profile={profile} experiment={e} />
        ))}
      </ul>
    </section>
  );
}

export function OpenExperimentRow({ profile, experiment: e }: { profile: string; experiment: ExperimentShape }) {
  const title = useApp((s) => s.steps.find((x) => x.id === e.step)?.title ?? e.step);
  const revert = useApp((s) => s.experimentReverts[e.id]);
  const revertExperiment = useApp((s) => s.revertExperiment);
  const resolve = useApp((s) => s.resolveExperiment);
  const connected = useApp((s) => s.connections[profile]?.state === 'connected');
  const now = useNow(true, 60_000);
  const [confirm, setConfirm] = useState<'revert' | 'resolve' | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);

  const running = revert?.status === 'running';
  return (
    <li className="list-row open-row">
      <div className="list-main">
        <div className="list-title">
          <strong>{title}</strong>
          <span className="pill warn small-pill">open</span>
        </div>
        <span className="muted small">
          started {formatDateTime(e.startedAt)} ({formatRelative(e.startedAt, now)}) · {e.snapshot ? `snapshot before it: “${e.snapshot.name}”` : 'no snapshot was taken'}
        </span>
        {running && revert && <OpProgress opId={revert.opId} showLog={false} idleMessage="Restoring the snapshot…" />}
        {revert?.status === 'failed' && revert.error && <ErrorBox error={revert.error} compact />}
        {error && <ErrorBox error={error} compact />}
      </div>
      <div className="row-actions">
        <button type="button" className="danger" onClick={() => setConfirm('revert')} disabled={running || !e.snapshot} aria-label={`Revert experiment ${title}`}>
          Revert
        </button>
        <button type="button" onClick={() => setConfirm('resolve')} disabled={running} aria-label={`Mark experiment ${title} resolved`}>
          Mark resolved
        </button>
      </div>
      {confirm === 'revert' && e.snapshot && (
        <ConfirmDialog
          title={`Revert to “${e.snapshot.name}”?`}
          confirmLabel="Revert"
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            setConfirm(null);
            void revertExperiment(profile, e.id);
          }}
        >
          <p>
            The VM goes back to the snapshot taken before “{title}” started ({formatDateTime(e.startedAt)}). Changes made after it will be lost.
            {!connected && ' The VM is not connected; the hypervisor restores it anyway and Harden Lab reconnects.'}
          </p>
        </ConfirmDialog>
      )}
      {confirm === 'resolve' && (
        <ConfirmDialog
          title="Mark as resolved?"
          confirmLabel="Mark resolved"
          tone="warn"
          onCancel={() => setConfirm(null)}
          onConfirm={async () => {
            setConfirm(null);
            const res = await resolve(profile, e.id);
            setError(res.ok ? null : res.error);
          }}
        >
          <p>The VM stays as it is now. Do this only after you checked that “{title}” left the VM in a state you accept.</p>
        </ConfirmDialog>
      )}
    </li>
  );
}
