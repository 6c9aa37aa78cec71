import { useEffect, useMemo, useState } from 'react';
import { useNow } from '../hooks/useNow';
import { formatDateTime, formatDuration, formatRelative } from '../lib/format';
import { buildSnapshotTree, changesLostBy, flattenTree, revertConsequence } from '../lib/snapshotTree';
import { useApp } from '../store';
import { ErrorBox } from './ErrorBox';
import { Icon } from './Icon';
import { Modal } from './Modal';
import { OpProgress } from './OpProgress';
import { REVERT_SHORTCUT_LABEL } from './shortcuts';

/**
 * One-click revert, reachable from everywhere (TopBar button, Ctrl+Shift+Z,
 * a snapshot row): pick a snapshot (the current one by default), read what
 * will be lost, restore, and watch it until SSH is back.
 */
export function RevertDialog() {
  const open = useApp((s) => s.revertDialog.open);
  if (!open) return null;
  return <RevertDialogBody />;
}

function RevertDialogBody() {
  const close = useApp((s) => s.closeRevertDialog);
  const preselect = useApp((s) => s.revertDialog.preselect);
  const active = useApp((s) => s.activeProfile);
  const profile = useApp((s) => s.profiles.find((p) => p.name === s.activeProfile));
  const list = useApp((s) => (s.activeProfile ? s.snapshotLists[s.activeProfile] : undefined));
  const loadSnapshots = useApp((s) => s.loadSnapshots);
  const restore = useApp((s) => s.restore);
  const restoreSnapshot = useApp((s) => s.restoreSnapshot);
  const clearRestore = useApp((s) => s.clearRestore);
  const setView = useApp((s) => s.setView);
  const now = useNow(true, 30_000);
  const [choice, setChoice] = useState<string | null>(preselect);
  const experiments = useApp((s) => (s.activeProfile ? s.journals[s.activeProfile]?.data?.experiments : undefined));
  const loadJournal = useApp((s) => s.loadJournal);
  const steps = useApp((s) => s.steps);
  const stepTitle = (id: string) => steps.find((x) => x.id === id)?.title ?? id;

  useEffect(() => {
    clearRestore();
    if (profile?.hypervisor) void loadSnapshots(profile.name);
    if (profile) void loadJournal(profile.name);
    // Only on open: a refresh while restoring would race the restore's own refresh.
  }, []);

  const rows = useMemo(() => (list?.data ? flattenTree(buildSnapshotTree(list.data)) : []), [list?.data]);
  const fallback = list?.data?.currentId ?? rows[rows.length - 1]?.snapshot.id ?? null;
  const selectedId = choice && rows.some((r) => r.snapshot.id === choice) ? choice : fallback;
  const selected = rows.find((r) => r.snapshot.id === selectedId)?.snapshot ?? null;
  const mine = restore && restore.profile === active ? restore : null;
  const running = mine?.status === 'running';
  const lost = selected && experiments ? changesLostBy(selected, experiments) : [];

  const go = (path: 'snapshots' | 'connections' | 'dashboard') => {
    close();
    setView(path);
  };

  let body: React.JSX.Element;
  let footer: React.JSX.Element | null = null;

  if (mine) {
    body = (
      <>
        {running && <OpProgress opId={mine.opId} title={`Reverting to “${mine.snapshotName}”`} idleMessage="Asking the hypervisor to restore the snapshot…" logHeight="sm" />}
        {mine.status === 'done' && mine.result && (
          <div className="result-banner ok" role="status">
            <Icon name="check" size={20} />
            <div>
              <p className="strong">The VM is back at “{mine.result.snapshot.name}”.</p>
              <p className="muted">
                Restored in {formatDuration(mine.result.durationMs)}. {mine.result.reconnected ? 'SSH reconnected.' : 'SSH is not connected yet: connect again from the top bar.'}
              </p>
            </div>
          </div>
        )}
        {mine.status === 'failed' && mine.error && (
          <ErrorBox error={mine.error} title={`The revert to “${mine.snapshotName}” failed`}>
            <button type="button" onClick={() => clearRestore()}>
              Choose again
            </button>
          </ErrorBox>
        )}
      </>
    );
    footer = (
      <button type="button" className={running ? '' : 'primary'} onClick={close} data-autofocus={running ? undefined : true}>
        {running ? 'Hide (keeps running)' : 'Close'}
      </button>
    );
  } else if (!profile) {
    body = (
      <div className="empty-state">
        <p>There is no VM to revert yet. Set up a connection to a lab VM first.</p>
        <button type="button" className="primary" onClick={() => go('dashboard')} data-autofocus>
          Set up a VM
        </button>
      </div>
    );
  } else if (!profile.hypervisor) {
    body = (
      <div className="empty-state">
        <p>
          “{profile.name}” is not linked to a VirtualBox or QEMU VM, so Harden Lab cannot take or restore snapshots for it.
        </p>
        <p className="muted">Link it to its VM in Connections to get one-click revert.</p>
        <button type="button" onClick={() => go('connections')} data-autofocus>
          Open Connections
        </button>
      </div>
    );
  } else if (list?.error && !list.data) {
    body = (
      <ErrorBox error={list.error} title="The snapshot list could not be read">
        <button type="button" onClick={() => void loadSnapshots(profile.name)}>
          Try again
        </button>
      </ErrorBox>
    );
  } else if (!list?.data) {
    body = (
      <div className="skeleton-list" aria-busy="true" aria-label="Loading snapshots">
        <div className="skeleton-row" />
        <div className="skeleton-row" />
        <div className="skeleton-row" />
      </div>
    );
  } else if (rows.length === 0) {
    body = (
      <div className="empty-state">
        <p className="strong">No snapshots yet.</p>
        <p className="muted">A snapshot is the point the VM goes back to. Take one before you change anything; the walkthrough starts with a “baseline”.</p>
        <button type="button" className="primary" onClick={() => go('snapshots')} data-autofocus>
          Take a snapshot
        </button>
      </div>
    );
  } else {
    body = (
      <>
        <fieldset className="snapshot-choices">
          <legend>Go back to</legend>
          {rows.map((r) => (
            <label key={r.snapshot.id} className={`snapshot-choice depth-${Math.min(r.depth, 6)}${r.snapshot.id === selectedId ? ' selected' : ''}`}>
              <input
                type="radio"
                name="revert-target"
                value={r.snapshot.id}
                checked={r.snapshot.id === selectedId}
                onChange={() => setChoice(r.snapshot.id)}
                data-autofocus={r.snapshot.id === selectedId ? true : undefined}
              />
              <span className="snapshot-choice-name">{r.snapshot.name}</span>
              {r.isCurrent && <span className="pill ok small-pill">current</span>}
              <span className="muted small">{r.snapshot.createdAt ? `${formatDateTime(r.snapshot.createdAt)} · ${formatRelative(r.snapshot.createdAt, now)}` : ''}</span>
            </label>
          ))}
        </fieldset>
        {selected && (
          <p className="consequence" role="note">
            <Icon name="alert" /> {revertConsequence(selected, now)}
          </p>
        )}
        {lost.length > 0 && (
          <div className="lost-changes">
            <p className="strong">Applied since then, undone by this revert:</p>
            <ul aria-label="Changes that will be lost">
              {lost.map((e) => (
                <li key={e.id}>
                  {stepTitle(e.step)} <span className="muted small">(applied {formatDateTime(e.startedAt)})</span>
                </li>
              ))}
            </ul>
          </div>
        )}
      </>
    );
    footer = (
      <>
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={!selected} onClick={() => selected && void restoreSnapshot(profile.name, { id: selected.id, name: selected.name })}>
          {selected ? `Revert to “${selected.name}”` : 'Revert'}
        </button>
      </>
    );
  }

  return (
    <Modal title={profile ? `Revert ${profile.name}` : 'Revert'} onClose={close} size="md" footer={footer ?? undefined}>
      {body}
      <p className="muted small shortcut-note">
        <kbd>{REVERT_SHORTCUT_LABEL}</kbd> opens this dialog from anywhere, also inside a terminal.
      </p>
    </Modal>
  );
}
