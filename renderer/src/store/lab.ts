import type { LabInfoShape } from '../../../shared/domain';
import { call, errorText, type ErrorView } from '../api/client';
import type { Slice } from './types';

/**
 * The disposable QEMU lab VM: `lab.up` builds it once (minutes: debootstrap,
 * kernel, boot loader) and boots it to SSH-ready; the core registers a
 * profile for it with its host key pinned, so the first connection needs no
 * prompt.
 */
export interface LabRun {
  opId: string;
  name: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  startedAt: number;
  info: LabInfoShape | null;
  error: ErrorView | null;
}

export interface LabSlice {
  lab: LabRun | null;
  labs: LabInfoShape[];
  labsLoaded: boolean;
  loadLabs: () => Promise<void>;
  labUp: (name: string) => Promise<boolean>;
  cancelLabUp: () => Promise<void>;
  clearLabRun: () => void;
}

export const createLabSlice: Slice<LabSlice> = (set, get) => ({
  lab: null,
  labs: [],
  labsLoaded: false,
  loadLabs: async () => {
    try {
      const { labs } = await call('lab.list', {});
      set({ labs, labsLoaded: true });
    } catch {
      set({ labs: [], labsLoaded: true });
    }
  },
  labUp: async (name) => {
    if (get().lab?.status === 'running') return false;
    const opId = get().beginOp('lab', `Start the lab VM “${name}”`, name, true);
    set({ lab: { opId, name, status: 'running', startedAt: Date.now(), info: null, error: null } });
    try {
      const info = await call('lab.up', { name, opId });
      get().finishOp(opId, 'done');
      set((s) => ({ lab: s.lab && s.lab.opId === opId ? { ...s.lab, status: 'done', info } : s.lab }));
      await get().loadProfiles();
      void get().loadLabs();
      if (get().profiles.some((p) => p.name === info.name)) get().selectProfile(info.name);
      get().notify({ level: 'success', message: `The lab VM “${info.name}” is running.`, hint: `SSH on ${info.host}:${info.port} as ${info.user}.` });
      return true;
    } catch (e) {
      const error = errorText(e);
      const cancelled = error.code === 'CANCELLED';
      get().finishOp(opId, cancelled ? 'cancelled' : 'failed', error);
      set((s) => ({ lab: s.lab && s.lab.opId === opId ? { ...s.lab, status: cancelled ? 'cancelled' : 'failed', error: cancelled ? null : error } : s.lab }));
      return false;
    }
  },
  cancelLabUp: async () => {
    const lab = get().lab;
    if (lab?.status === 'running') await get().cancelOp(lab.opId);
  },
  clearLabRun: () => set((s) => (s.lab?.status === 'running' ? {} : { lab: null })),
});
