import { describe, expect, it } from 'vitest';
import type { ExperimentShape, SnapshotShape } from '../../../shared/domain';
import { ancestorIds, buildSnapshotTree, changesLostBy, currentSnapshot, flattenTree, revertConsequence } from './snapshotTree';

const snap = (id: string, parentId: string | null, createdAt?: string) => ({ id, name: `n-${id}`, description: '', parentId, ...(createdAt ? { createdAt } : {}) });

describe('buildSnapshotTree', () => {
  it('nests children under parents, oldest first, and marks the current path', () => {
    const list = {
      snapshots: [snap('c', 'a', '2026-01-03T00:00:00Z'), snap('a', null, '2026-01-01T00:00:00Z'), snap('b', 'a', '2026-01-02T00:00:00Z'), snap('d', 'b', '2026-01-04T00:00:00Z')],
      currentId: 'd',
    };
    const tree = buildSnapshotTree(list);
    expect(tree.map((n) => n.snapshot.id)).toEqual(['a']);
    expect(tree[0]!.children.map((n) => n.snapshot.id)).toEqual(['b', 'c']);
    const flat = flattenTree(tree);
    expect(flat.map((n) => [n.snapshot.id, n.depth])).toEqual([
      ['a', 0],
      ['b', 1],
      ['d', 2],
      ['c', 1],
    ]);
    expect(flat.filter((n) => n.isCurrent).map((n) => n.snapshot.id)).toEqual(['d']);
    expect(flat.filter((n) => n.onCurrentPath).map((n) => n.snapshot.id)).toEqual(['a', 'b', 'd']);
  });

  it('shows a snapshot whose parent is missing as a root instead of hiding it', () => {
    const tree = buildSnapshotTree({ snapshots: [snap('x', 'gone'), snap('y', 'x')], currentId: null });
    expect(flattenTree(tree).map((n) => n.snapshot.id)).toEqual(['x', 'y']);
  });

  it('survives a parent cycle in bad metadata and still lists every snapshot once', () => {
    const tree = buildSnapshotTree({ snapshots: [snap('p', 'q'), snap('q', 'p'), snap('r', null), snap('s', 's')], currentId: 'p' });
    const ids = flattenTree(tree).map((n) => n.snapshot.id);
    expect([...ids].sort()).toEqual(['p', 'q', 'r', 's']);
    expect(new Set(ids).size).toBe(4);
  });

  it('returns an empty tree for no snapshots', () => {
    expect(buildSnapshotTree({ snapshots: [], currentId: null })).toEqual([]);
    expect(currentSnapshot({ snapshots: [], currentId: null })).toBeNull();
  });

  it('walks ancestors without looping', () => {
    expect([...ancestorIds({ snapshots: [snap('p', 'q'), snap('q', 'p')], currentId: 'p' }, 'p')].sort()).toEqual(['p', 'q']);
  });
});

describe('revertConsequence', () => {
  it('names the snapshot and its time, and says what is lost', () => {
    const text = revertConsequence({ ...snap('a', null, '2026-11-29T05:00:00Z'), name: 'baseline' }, Date.parse('2026-11-29T07:00:00Z'));
    expect(text).toMatch(/^Changes made after “baseline” \(taken .+, 2 h ago\) will be lost\. Other snapshots are kept\.$/);
  });
  it('works without a creation time', () => {
    expect(revertConsequence({ ...snap('a', null), name: 'x' }, 0)).toBe('Changes made after “x” will be lost. Other snapshots are kept.');
  });
});

describe('what a revert takes away', () => {
  const exp = (id: string, step: string, status: ExperimentShape['status'], startedAt: string): ExperimentShape => ({ id, profile: 'lab', step, status, startedAt, snapshot: null, log: [] });
  it('names the verified experiments applied after the snapshot, newest first', () => {
    const snap = { id: 's1', name: 'baseline', description: '', createdAt: '2026-11-29T09:03:00.000Z', parentId: null } as unknown as SnapshotShape;
    const lost = changesLostBy(snap, [
      exp('a', 'ssh', 'verified', '2026-11-29T09:04:00.000Z'),
      exp('b', 'ssh-lockout', 'reverted', '2026-11-29T09:07:00.000Z'),
      exp('c', 'sysctl', 'verified', '2026-11-29T09:10:00.000Z'),
      exp('d', 'kernel', 'verified', '2026-11-29T08:00:00.000Z'),
    ]);
    expect(lost.map((e) => e.id)).toEqual(['c', 'a']);
    expect(changesLostBy({ ...snap, createdAt: undefined } as unknown as SnapshotShape, [exp('a', 'ssh', 'verified', '2026-11-29T09:04:00.000Z')])).toEqual([]);
  });
});
