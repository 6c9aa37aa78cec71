import { describe, expect, it } from 'vitest';
import { addSnapshot, emptyMeta, markRestored, newSnapshotId, reconcile, removeSnapshot, resolveSnapshotRef, toSnapshotList, type SnapshotMeta } from './snapshot-meta';

function entry(id: string, name = id, minute = 0) {
  return { id, name, description: '', createdAt: `2026-11-29T06:${String(minute).padStart(2, '0')}:00.000Z`, live: true, vmStateSize: 1000 };
}

/**
 *   a ── b ── c
 *   │    └── d   (current)
 *   └── e
 */
function tree(): SnapshotMeta {
  let m = emptyMeta();
  m = addSnapshot(m, entry('a', 'base', 1));
  m = addSnapshot(m, entry('b', 'sshd', 2));
  m = addSnapshot(m, entry('c', 'sysctl', 3));
  m = markRestored(m, 'b');
  m = addSnapshot(m, entry('d', 'modules', 4));
  m = markRestored(m, 'a');
  m = addSnapshot(m, entry('e', 'kernel', 5));
  m = markRestored(m, 'd');
  return m;
}

const parents = (m: SnapshotMeta) => Object.fromEntries(m.snapshots.map((s) => [s.id, s.parentId]));

describe('snapshot tree metadata', () => {
  it('makes the current snapshot the parent of a new one, and the new one current', () => {
    const m = tree();
    expect(parents(m)).toEqual({ a: null, b: 'a', c: 'b', d: 'b', e: 'a' });
    expect(m.currentId).toBe('d');
    const n = addSnapshot(m, entry('f'));
    expect(n.snapshots.find((s) => s.id === 'f')?.parentId).toBe('d');
    expect(n.currentId).toBe('f');
  });

  it('starts a root when there is no current snapshot', () => {
    const m = addSnapshot(emptyMeta(), entry('x'));
    expect(m.snapshots[0]?.parentId).toBeNull();
  });

  it('refuses a duplicate id and an unknown restore target', () => {
    expect(() => addSnapshot(tree(), entry('a'))).toThrow();
    expect(() => markRestored(tree(), 'zz')).toThrow();
  });

  it('restoring makes that snapshot current and can mark it to be resumed at the next start', () => {
    expect(markRestored(tree(), 'c')).toMatchObject({ currentId: 'c', pendingLoad: null });
    expect(markRestored(tree(), 'c', true)).toMatchObject({ currentId: 'c', pendingLoad: 'c' });
  });

  it('deleting hands the children to the parent', () => {
    const m = removeSnapshot(tree(), 'b');
    expect(parents(m)).toEqual({ a: null, c: 'a', d: 'a', e: 'a' });
    expect(m.currentId).toBe('d');
  });

  it('deleting the current snapshot makes its parent current', () => {
    const m = removeSnapshot(tree(), 'd');
    expect(m.currentId).toBe('b');
    const root = removeSnapshot(markRestored(tree(), 'a'), 'a');
    expect(root.currentId).toBeNull();
    expect(parents(root)).toEqual({ b: null, c: 'b', d: 'b', e: null });
  });

  it('deleting the snapshot waiting to be resumed cancels the resume', () => {
    expect(removeSnapshot(markRestored(tree(), 'c', true), 'c').pendingLoad).toBeNull();
  });

  it('finds by id first, then by the name a person gave; repeated names are ambiguous', () => {
    let m = tree();
    expect(resolveSnapshotRef(m, 'c')).toMatchObject({ kind: 'found', entry: { id: 'c' } });
    expect(resolveSnapshotRef(m, 'sysctl')).toMatchObject({ kind: 'found', entry: { id: 'c' } });
    expect(resolveSnapshotRef(m, 'nope')).toEqual({ kind: 'missing' });
    m = addSnapshot(m, entry('g', 'sysctl', 6));
    expect(resolveSnapshotRef(m, 'sysctl')).toEqual({ kind: 'ambiguous', ids: ['c', 'g'] });
    // A name equal to another snapshot's id: the id wins, it is unique.
    m = addSnapshot(m, entry('h', 'a', 7));
    expect(resolveSnapshotRef(m, 'a')).toMatchObject({ kind: 'found', entry: { id: 'a' } });
  });

  it('lists snapshots oldest first with the current id', () => {
    const l = toSnapshotList(tree());
    expect(l.currentId).toBe('d');
    expect(l.snapshots.map((s) => s.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(l.snapshots[1]).toEqual({ id: 'b', name: 'sshd', description: '', createdAt: '2026-11-29T06:02:00.000Z', parentId: 'a', live: true });
  });

  it('generates tags that cannot be mistaken for QEMU numeric ids', () => {
    const id = newSnapshotId(1795932658000, 'A1b2-C3d4e5');
    expect(id).toBe(`hl-${(1795932658000).toString(36)}-a1b2c3d4`);
    expect(/^\d+$/.test(id)).toBe(false);
  });
});

describe('reconcile with the snapshots QEMU has', () => {
  const q = (tag: string, vmStateSize = 1000, dateSec = 1795932658) => ({ qemuId: '1', tag, vmStateSize, dateSec });

  it('changes nothing when both agree', () => {
    const r = reconcile(tree(), ['a', 'b', 'c', 'd', 'e'].map((t) => q(t)));
    expect(r).toMatchObject({ changed: false, dropped: [], adopted: [] });
    expect(r.meta).toEqual(tree());
  });

  it('drops entries whose tag is gone from the disk, re-parenting their children', () => {
    const r = reconcile(tree(), ['a', 'c', 'd', 'e'].map((t) => q(t)));
    expect(r.dropped).toEqual(['b']);
    expect(parents(r.meta)).toEqual({ a: null, c: 'a', d: 'a', e: 'a' });
    expect(r.changed).toBe(true);
  });

  it('adopts snapshots made behind our back as roots named by their tag', () => {
    const r = reconcile(tree(), [...['a', 'b', 'c', 'd', 'e'].map((t) => q(t)), q('manual', 0, 1795932000)]);
    expect(r.adopted).toEqual(['manual']);
    expect(r.meta.snapshots.at(-1)).toEqual({
      id: 'manual',
      name: 'manual',
      description: 'Made outside Harden Lab (found in the disk).',
      createdAt: new Date(1795932000 * 1000).toISOString(),
      parentId: null,
      live: false,
      vmStateSize: 0,
    });
    expect(r.meta.currentId).toBe('d');
  });

  it('takes whether a snapshot holds memory from QEMU', () => {
    const r = reconcile(tree(), ['a', 'b', 'c', 'd'].map((t) => q(t)).concat(q('e', 0)));
    expect(r.meta.snapshots.find((s) => s.id === 'e')).toMatchObject({ live: false, vmStateSize: 0 });
    expect(r.dropped).toEqual([]);
    expect(r.changed).toBe(true);
  });

  it('empties the tree when the disk has no snapshots left', () => {
    const r = reconcile(tree(), []);
    expect(r.meta.snapshots).toEqual([]);
    expect(r.meta.currentId).toBeNull();
  });
});
