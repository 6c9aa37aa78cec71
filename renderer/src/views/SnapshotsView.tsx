import { useShallow } from 'zustand/react/shallow';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { explainInvalidName } from '../../../shared/names';
import type { ErrorView } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorBox } from '../components/ErrorBox';
import { Icon } from '../components/Icon';
import { Modal } from '../components/Modal';
import { NoVm } from '../components/NoVm';
import { OpProgress } from '../components/OpProgress';
import { REVERT_SHORTCUT_LABEL } from '../components/shortcuts';
import { useNow } from '../hooks/useNow';
import { formatDateTime, formatRelative } from '../lib/format';
import { buildSnapshotTree, type SnapshotNode } from '../lib/snapshotTree';
import { useApp } from '../store';

export function SnapshotsView() {
  const profile = useApp((s) => s.profiles.find((p) => p.name === s.activeProfile));
  if (!profile) return <NoVm title="Snapshots" />;
  if (!profile.hypervisor) {
    return (
      <NoVm
        title="Snapshots"
        text={`“${profile.name}” is not linked to a VirtualBox or QEMU VM, so it has no snapshots. Link it to its VM in Connections (or create the lab VM) to get snapshots and one-click revert.`}
      />
    );
  }
  return <Snapshots profile={profile.name} />;
}

function Snapshots({ profile }: { profile: string }) {
  const list = useApp((s) => s.snapshotLists[profile]);
  const load = useApp((s) => s.loadSnapshots);
  const openRevert = useApp((s) => s.openRevertDialog);
  const restoring = useApp((s) => s.restore?.status === 'running' && s.restore.profile === profile);
  const [taking, setTaking] = useState(false);
  const [deleting, setDeleting] = useState<SnapshotNode['snapshot'] | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<ErrorView | null>(null);
  const deleteSnapshot = useApp((s) => s.deleteSnapshot);
  const now = useNow(true, 60_000);

  useEffect(() => {
    void load(profile);
  }, [profile, load]);

  const tree = useMemo(() => (list?.data ? buildSnapshotTree(list.data) : []), [list?.data]);

  const doDelete = async () => {
    if (!deleting) return;
    setDeleteBusy(true);
    const res = await deleteSnapshot(profile, deleting.id);
    setDeleteBusy(false);
    setDeleting(null);
    setDeleteError(res.ok ? null : res.error);
  };

  return (
    <section className="view">
      <header className="view-header with-actions">
        <div>
          <h1>Snapshots</h1>
          <p className="lead">
            The points {profile} can go back to. Reverting takes seconds; <kbd>{REVERT_SHORTCUT_LABEL}</kbd> opens Revert from anywhere.
          </p>
        </div>
        <div className="row-actions">
          <button type="button" onClick={() => void load(profile)} disabled={list?.loading}>
            {list?.loading ? 'Refreshing…' : 'Refresh'}
          </button>
          <button type="button" className="primary" onClick={() => setTaking(true)} disabled={restoring}>
            <Icon name="camera" /> Take snapshot
          </button>
        </div>
      </header>

      {list?.error && (
        <ErrorBox error={list.error} title="The snapshot list could not be read">
          <button type="button" onClick={() => void load(profile)}>
            Try again
          </button>
        </ErrorBox>
      )}
      {deleteError && <ErrorBox error={deleteError} title="The snapshot was not deleted" />}

      <div className="panel">
        {!list?.data && !list?.error && (
          <div className="skeleton-list" aria-busy="true" aria-label="Loading snapshots">
            <div className="skeleton-row" />
            <div className="skeleton-row" />
            <div className="skeleton-row" />
          </div>
        )}
        {list?.data && tree.length === 0 && (
          <div className="empty-state">
            <p className="strong">No snapshots yet.</p>
            <p className="muted">Take a “baseline” now: it is the point every experiment can return to.</p>
          </div>
        )}
        {tree.length > 0 && (
          <ul className="snapshot-tree" aria-label="Snapshot tree">
            {tree.map((n) => (
              <SnapshotRow key={n.snapshot.id} node={n} now={now} busy={restoring} onRevert={(id) => openRevert(id)} onDelete={(s) => setDeleting(s)} />
            ))}
          </ul>
        )}
      </div>

      {taking && <TakeSnapshotDialog profile={profile} onClose={() => setTaking(false)} />}
      {deleting && (
        <ConfirmDialog title={`Delete the snapshot “${deleting.name}”?`} confirmLabel="Delete snapshot" busy={deleteBusy} onConfirm={() => void doDelete()} onCancel={() => setDeleting(null)}>
          <p>
            The VM will no longer be able to go back to “{deleting.name}”{deleting.createdAt ? ` (taken ${formatDateTime(deleting.createdAt)})` : ''}. The running VM and the other
            snapshots are not changed.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function SnapshotRow({ node, now, busy, onRevert, onDelete }: { node: SnapshotNode; now: number; busy: boolean; onRevert: (id: string) => void; onDelete: (s: SnapshotNode['snapshot']) => void }) {
  const s = node.snapshot;
  return (
    <li aria-current={node.isCurrent ? 'true' : undefined}>
      <div className={`snapshot-row${node.isCurrent ? ' current' : ''}${node.onCurrentPath ? ' on-path' : ''}`}>
        <span className="snapshot-marker" aria-hidden="true">
          {node.isCurrent ? <Icon name="play" /> : <Icon name="circle" />}
        </span>
        <div className="snapshot-main">
          <div className="snapshot-title">
            <strong>{s.name}</strong>
            {node.isCurrent && <span className="pill ok small-pill">current · you are here</span>}
            {s.live && <span className="pill neutral small-pill">live</span>}
          </div>
          <div className="muted small">{s.createdAt ? `${formatDateTime(s.createdAt)} · ${formatRelative(s.createdAt, now)}` : 'creation time unknown'}</div>
          {s.description && <p className="snapshot-desc">{s.description}</p>}
        </div>
        <div className="row-actions">
          <button type="button" onClick={() => onRevert(s.id)} disabled={busy} aria-label={`Revert to ${s.name}`}>
            <Icon name="undo" /> Revert
          </button>
          <button type="button" className="ghost" onClick={() => onDelete(s)} disabled={busy} aria-label={`Delete snapshot ${s.name}`}>
            <Icon name="trash" />
          </button>
        </div>
      </div>
      {node.children.length > 0 && (
        <ul aria-label={`Taken after ${s.name}`}>
          {node.children.map((c) => (
            <SnapshotRow key={c.snapshot.id} node={c} now={now} busy={busy} onRevert={onRevert} onDelete={onDelete} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** Name and description, checked with the contract's own pattern before anything is sent. */
export function TakeSnapshotDialog({ profile, onClose, initialName = '', initialDescription = '' }: { profile: string; onClose: () => void; initialName?: string; initialDescription?: string }) {
  const takeSnapshot = useApp((s) => s.takeSnapshot);
  const existing = useApp(useShallow((s) => s.snapshotLists[profile]?.data?.snapshots.map((x) => x.name) ?? []));
  const [name, setName] = useState(initialName);
  const [description, setDescription] = useState(initialDescription);
  const [nameError, setNameError] = useState<string | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    const problem = trimmed === '' ? 'Give the snapshot a name.' : explainInvalidName('snapshot', trimmed);
    setNameError(problem ?? (existing.includes(trimmed) ? `A snapshot named “${trimmed}” exists already; a different name keeps them apart.` : null));
    if (problem || existing.includes(trimmed)) return;
    setBusy(true);
    setError(null);
    const out = await takeSnapshot(profile, trimmed, description);
    setBusy(false);
    if (out.ok) onClose();
    else setError(out.error);
  };

  const runningOp = useApp((s) => Object.values(s.ops).find((o) => o.kind === 'snapshot' && o.profile === profile && o.status === 'running'));

  return (
    <Modal title="Take a snapshot" onClose={onClose} dismissable={!busy} size="sm">
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="snap-name">Name</label>
          <input
            id="snap-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="before-ssh-hardening"
            aria-invalid={!!nameError}
            aria-describedby={nameError ? 'snap-name-error' : 'snap-name-help'}
            data-autofocus
            disabled={busy}
          />
          {nameError ? (
            <p className="field-error" id="snap-name-error" role="alert">
              {nameError}
            </p>
          ) : (
            <p className="help" id="snap-name-help">
              Letters, digits, space, dot, dash, underscore, colon and +; at most 80.
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="snap-desc">Description (optional)</label>
          <textarea id="snap-desc" rows={3} maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} disabled={busy} />
        </div>
        {busy && runningOp && <OpProgress opId={runningOp.id} showLog={false} idleMessage="Asking the hypervisor for a snapshot…" />}
        {!busy && error && <ErrorBox error={error} compact />}
        <div className="form-actions end">
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Taking…' : 'Take snapshot'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
