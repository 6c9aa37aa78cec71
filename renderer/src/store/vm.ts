import type { Res } from '../../../shared/contract';
import type { SnapshotListShape, SnapshotShape, VmInfoShape } from '../../../shared/domain';
import { call, errorText, type ErrorView } from '../api/client';
import { emptyLoadable, type Loadable, type Outcome, type Slice } from './types';

/**
 * The VM behind a profile: its hypervisor state and snapshot tree, and the
 * one-click revert (restore + SSH reconnect) that every view can start.
 */
export interface RestoreRun {
  profile: string;
  snapshotId: string;
  snapshotName: string;
  opId: string;
  status: 'running' | 'done' | 'failed';
  result: Res<'snapshots.restore'> | null;
  error: ErrorView | null;
}

export interface VmSlice {
  vmStates: Record<string, Loadable<VmInfoShape>>;
  snapshotLists: Record<string, Loadable<SnapshotListShape>>;
  restore: RestoreRun | null;
  loadVmState: (profile: string) => Promise<void>;
  loadSnapshots: (profile: string) => Promise<void>;
  takeSnapshot: (profile: string, name: string, description: string) => Promise<Outcome<SnapshotShape> & { opId: string }>;
  deleteSnapshot: (profile: string, snapshotId: string) => Promise<Outcome<true>>;
  restoreSnapshot: (profile: string, snapshot: { id: string; name: string }) => Promise<boolean>;
  clearRestore: () => void;
}

export const createVmSlice: Slice<VmSlice> = (set, get) => {
  const load = async <K extends 'vmStates' | 'snapshotLists'>(key: K, profile: string, fetch: () => Promise<NonNullable<VmSlice[K][string]['data']>>) => {
    set((s) => ({ [key]: { ...s[key], [profile]: { ...(s[key][profile] ?? emptyLoadable()), loading: true } } }) as Partial<VmSlice>);
    try {
      const data = await fetch();
      set((s) => ({ [key]: { ...s[key], [profile]: { data, loading: false, error: null, at: Date.now() } } }) as Partial<VmSlice>);
    } catch (e) {
      set((s) => ({ [key]: { ...s[key], [profile]: { ...(s[key][profile] ?? emptyLoadable()), loading: false, error: errorText(e) } } }) as Partial<VmSlice>);
    }
  };

  return {
    vmStates: {},
    snapshotLists: {},
    restore: null,
    loadVmState: (profile) => load('vmStates', profile, () => call('vm.state', { profile })),
    loadSnapshots: (profile) => load('snapshotLists', profile, () => call('snapshots.list', { profile })),
    takeSnapshot: async (profile, name, description) => {
      const opId = get().beginOp('snapshot', `Take snapshot “${name}”`, profile, false);
      try {
        const { snapshot } = await call('snapshots.take', { profile, name, opId, ...(description.trim() ? { description: description.trim() } : {}) });
        get().finishOp(opId, 'done');
        void get().loadSnapshots(profile);
        return { ok: true, value: snapshot, opId };
      } catch (e) {
        const error = errorText(e);
        get().finishOp(opId, 'failed', error);
        return { ok: false, error, opId };
      }
    },
    deleteSnapshot: async (profile, snapshotId) => {
      try {
        await call('snapshots.delete', { profile, snapshot: snapshotId });
        await get().loadSnapshots(profile);
        return { ok: true, value: true };
      } catch (e) {
        return { ok: false, error: errorText(e) };
      }
    },
    restoreSnapshot: async (profile, snapshot) => {
      const running = get().restore;
      if (running && running.status === 'running') return false;
      // Not cancellable: stopping a restore half-way leaves a VM that is neither before nor after.
      const opId = get().beginOp('restore', `Revert to “${snapshot.name}”`, profile, false);
      set({ restore: { profile, snapshotId: snapshot.id, snapshotName: snapshot.name, opId, status: 'running', result: null, error: null } });
      const conn = get().connections[profile];
      if (conn) set((s) => ({ connections: { ...s.connections, [profile]: { ...conn, state: 'reconnecting', since: Date.now(), message: `Restoring “${snapshot.name}”.` } } }));
      try {
        const result = await call('snapshots.restore', { profile, snapshot: snapshot.id, opId });
        get().finishOp(opId, 'done');
        set({ restore: { profile, snapshotId: snapshot.id, snapshotName: snapshot.name, opId, status: 'done', result, error: null } });
        set((s) => {
          const c = s.connections[profile];
          if (!c) return {};
          return { connections: { ...s.connections, [profile]: { ...c, state: result.reconnected ? 'connected' : 'disconnected', since: Date.now(), message: null, error: null } } };
        });
        get().notify({ level: 'success', message: `The VM is back at “${result.snapshot.name}”.`, hint: result.reconnected ? 'SSH reconnected.' : 'Connect again when you need it.' });
        void get().refreshProfileData(profile, { audit: true });
        return true;
      } catch (e) {
        const error = errorText(e);
        get().finishOp(opId, 'failed', error);
        set({ restore: { profile, snapshotId: snapshot.id, snapshotName: snapshot.name, opId, status: 'failed', result: null, error } });
        set((s) => {
          const c = s.connections[profile];
          if (!c || c.state !== 'reconnecting') return {};
          return { connections: { ...s.connections, [profile]: { ...c, state: 'failed', since: Date.now(), message: null, error } } };
        });
        void get().refreshProfileData(profile);
        return false;
      }
    },
    clearRestore: () => set((s) => (s.restore && s.restore.status !== 'running' ? { restore: null } : {})),
  };
};
