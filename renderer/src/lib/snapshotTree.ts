import type { ExperimentShape, SnapshotListShape, SnapshotShape } from '../../../shared/domain';
import { formatDateTime, formatRelative, parseTime } from './format';

/**
 * The snapshot list arrives flat with parent ids; the panel shows a tree. A
 * parent that is missing (deleted, or not reported) makes its child a root
 * rather than hiding it, and a cycle in bad metadata cannot loop forever.
 */
export interface SnapshotNode {
  snapshot: SnapshotShape;
  children: SnapshotNode[];
  depth: number;
  isCurrent: boolean;
  /** On the path from a root to the current snapshot (the VM's own history). */
  onCurrentPath: boolean;
}

function byCreated(a: SnapshotShape, b: SnapshotShape): number {
  const ta = parseTime(a.createdAt);
  const tb = parseTime(b.createdAt);
  if (ta === null || tb === null) return 0;
  return ta - tb;
}

export function ancestorIds(list: SnapshotListShape, id: string | null): Set<string> {
  const byId = new Map(list.snapshots.map((s) => [s.id, s]));
  const out = new Set<string>();
  let cur = id ? byId.get(id) : undefined;
  while (cur && !out.has(cur.id)) {
    out.add(cur.id);
    cur = cur.parentId ? byId.get(cur.parentId) : undefined;
  }
  return out;
}

export function buildSnapshotTree(list: SnapshotListShape): SnapshotNode[] {
  const ids = new Set(list.snapshots.map((s) => s.id));
  const children = new Map<string | null, SnapshotShape[]>();
  for (const s of list.snapshots) {
    const parent = s.parentId !== null && ids.has(s.parentId) && s.parentId !== s.id ? s.parentId : null;
    const arr = children.get(parent) ?? [];
    arr.push(s);
    children.set(parent, arr);
  }
  const currentPath = ancestorIds(list, list.currentId);
  const seen = new Set<string>();
  const build = (parent: string | null, depth: number): SnapshotNode[] =>
    [...(children.get(parent) ?? [])].sort(byCreated).flatMap((s) => {
      if (seen.has(s.id)) return [];
      seen.add(s.id);
      return [{ snapshot: s, depth, isCurrent: s.id === list.currentId, onCurrentPath: currentPath.has(s.id), children: build(s.id, depth + 1) }];
    });
  const roots = build(null, 0);
  // Snapshots caught in a parent cycle never hang off a root: show them as roots.
  for (const s of list.snapshots) {
    if (!seen.has(s.id)) {
      seen.add(s.id);
      roots.push({ snapshot: s, depth: 0, isCurrent: s.id === list.currentId, onCurrentPath: currentPath.has(s.id), children: build(s.id, 1) });
    }
  }
  return roots;
}

/** Depth-first order, the order the panel lists rows in. */
export function flattenTree(nodes: SnapshotNode[]): SnapshotNode[] {
  return nodes.flatMap((n) => [n, ...flattenTree(n.children)]);
}

export function currentSnapshot(list: SnapshotListShape | null | undefined): SnapshotShape | null {
  if (!list || list.currentId === null) return null;
  return list.snapshots.find((s) => s.id === list.currentId) ?? null;
}

/**
 * What a restore throws away, in one sentence: everything the VM did since
 * the chosen snapshot. Other snapshots are kept by every hypervisor we drive.
 */
export function revertConsequence(snapshot: SnapshotShape, now: number): string {
  const when = snapshot.createdAt ? ` (taken ${formatDateTime(snapshot.createdAt)}, ${formatRelative(snapshot.createdAt, now)})` : '';
  return `Changes made after “${snapshot.name}”${when} will be lost. Other snapshots are kept.`;
}

/**
 * The experiments the journal says were applied and verified after this
 * snapshot was taken: the changes a revert to it takes away, named so the
 * person knows what they give up. Newest first.
 */
export function changesLostBy(snapshot: SnapshotShape, experiments: readonly ExperimentShape[]): ExperimentShape[] {
  const since = snapshot.createdAt ? Date.parse(snapshot.createdAt) : NaN;
  if (Number.isNaN(since)) return [];
  return experiments
    .filter((e) => e.status === 'verified' && Date.parse(e.startedAt) >= since)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
