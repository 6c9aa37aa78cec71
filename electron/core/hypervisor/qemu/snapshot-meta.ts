import { z } from 'zod';
import type { Snapshot, SnapshotList } from '../types';
import type { QemuSnapshotInfo } from './qmp-parse';

/**
 * QEMU's internal snapshots are a flat list of tags in the qcow2 file; it
 * keeps no tree and no "current". Harden Lab keeps that in its own metadata
 * beside the disk, with these rules:
 *   - a new snapshot's parent is the current one, and it becomes current;
 *   - restoring a snapshot makes it current;
 *   - deleting a snapshot hands its children to its parent, and if it was
 *     current, its parent becomes current;
 *   - the person's name and description live here; QEMU gets a generated tag
 *     (the id), so any name a person types is safe and names may repeat.
 * QEMU stays the truth about which snapshots exist: reconcile() drops entries
 * whose tag QEMU no longer has and adopts tags made behind our back.
 * Pure functions only; snapshot-store.ts does the file I/O.
 */
export const SnapshotMetaEntrySchema = z.object({
  /** Also the QEMU tag. */
  id: z.string().min(1),
  name: z.string(),
  description: z.string(),
  createdAt: z.string(),
  parentId: z.string().nullable(),
  live: z.boolean(),
  vmStateSize: z.number().optional(),
});
export type SnapshotMetaEntry = z.infer<typeof SnapshotMetaEntrySchema>;

export const SnapshotMetaSchema = z.object({
  version: z.literal(1),
  currentId: z.string().nullable(),
  /** A live snapshot restored while the VM was off: the next start resumes it (-loadvm). */
  pendingLoad: z.string().nullable().default(null),
  snapshots: z.array(SnapshotMetaEntrySchema),
});
export type SnapshotMeta = z.infer<typeof SnapshotMetaSchema>;

export function emptyMeta(): SnapshotMeta {
  return { version: 1, currentId: null, pendingLoad: null, snapshots: [] };
}

/** A tag QEMU can never confuse with its own numeric snapshot ids. */
export function newSnapshotId(nowMs: number, random: string): string {
  return `hl-${nowMs.toString(36)}-${random.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 8)}`;
}

export function addSnapshot(meta: SnapshotMeta, e: Omit<SnapshotMetaEntry, 'parentId'>): SnapshotMeta {
  if (meta.snapshots.some((s) => s.id === e.id)) throw new Error(`Snapshot id ${e.id} already exists.`);
  const parentId = meta.currentId !== null && meta.snapshots.some((s) => s.id === meta.currentId) ? meta.currentId : null;
  return { ...meta, currentId: e.id, snapshots: [...meta.snapshots, { ...e, parentId }] };
}

export function markRestored(meta: SnapshotMeta, id: string, pendingLoad = false): SnapshotMeta {
  if (!meta.snapshots.some((s) => s.id === id)) throw new Error(`No snapshot ${id}.`);
  return { ...meta, currentId: id, pendingLoad: pendingLoad ? id : null };
}

export function removeSnapshot(meta: SnapshotMeta, id: string): SnapshotMeta {
  const gone = meta.snapshots.find((s) => s.id === id);
  if (!gone) return meta;
  const snapshots = meta.snapshots.filter((s) => s.id !== id).map((s) => (s.parentId === id ? { ...s, parentId: gone.parentId } : s));
  return {
    ...meta,
    currentId: meta.currentId === id ? gone.parentId : meta.currentId,
    pendingLoad: meta.pendingLoad === id ? null : meta.pendingLoad,
    snapshots,
  };
}

export type SnapshotLookup = { kind: 'found'; entry: SnapshotMetaEntry } | { kind: 'missing' } | { kind: 'ambiguous'; ids: string[] };

/** By id first (ids are unique), then by the person's name, which may repeat. */
export function resolveSnapshotRef(meta: SnapshotMeta, ref: string): SnapshotLookup {
  const byId = meta.snapshots.find((s) => s.id === ref);
  if (byId) return { kind: 'found', entry: byId };
  const byName = meta.snapshots.filter((s) => s.name === ref);
  if (byName.length === 1) return { kind: 'found', entry: byName[0]! };
  if (byName.length > 1) return { kind: 'ambiguous', ids: byName.map((s) => s.id) };
  return { kind: 'missing' };
}

export interface Reconciled {
  meta: SnapshotMeta;
  changed: boolean;
  dropped: string[];
  adopted: string[];
}

export function reconcile(meta: SnapshotMeta, actual: readonly QemuSnapshotInfo[]): Reconciled {
  const byTag = new Map(actual.map((a) => [a.tag, a]));
  let next = meta;
  const dropped: string[] = [];
  for (const s of meta.snapshots) {
    if (!byTag.has(s.id)) {
      next = removeSnapshot(next, s.id);
      dropped.push(s.id);
    }
  }
  let changed = dropped.length > 0;
  const snapshots = next.snapshots.map((s) => {
    const a = byTag.get(s.id)!;
    const live = a.vmStateSize > 0;
    if (s.live === live && s.vmStateSize === a.vmStateSize) return s;
    changed = true;
    return { ...s, live, vmStateSize: a.vmStateSize };
  });
  next = { ...next, snapshots };
  const known = new Set(next.snapshots.map((s) => s.id));
  const adopted: string[] = [];
  for (const a of [...actual].sort((x, y) => x.dateSec - y.dateSec)) {
    if (known.has(a.tag)) continue;
    adopted.push(a.tag);
    next = {
      ...next,
      snapshots: [
        ...next.snapshots,
        {
          id: a.tag,
          name: a.tag,
          description: 'Made outside Harden Lab (found in the disk).',
          createdAt: new Date(a.dateSec * 1000).toISOString(),
          parentId: null,
          live: a.vmStateSize > 0,
          vmStateSize: a.vmStateSize,
        },
      ],
    };
  }
  return { meta: next, changed: changed || adopted.length > 0, dropped, adopted };
}

export function toSnapshot(e: SnapshotMetaEntry): Snapshot {
  return { id: e.id, name: e.name, description: e.description, createdAt: e.createdAt, parentId: e.parentId, live: e.live };
}

export function toSnapshotList(meta: SnapshotMeta): SnapshotList {
  const snapshots = [...meta.snapshots].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)).map(toSnapshot);
  return { snapshots, currentId: meta.currentId };
}
