import type { Res } from '../../../shared/contract';
import { call, errorText, type ErrorView } from '../api/client';
import { emptyLoadable, type Loadable, type Outcome, type Slice } from './types';

export type ExportFormat = 'markdown' | 'html' | 'ansible' | 'shell';

export interface RevertRun {
  opId: string;
  status: 'running' | 'done' | 'failed';
  error: ErrorView | null;
}

export interface JournalSlice {
  journals: Record<string, Loadable<Res<'journal.list'>>>;
  /** Running or finished reverts of experiments, by experiment id. */
  experimentReverts: Record<string, RevertRun>;
  loadJournal: (profile: string) => Promise<void>;
  resolveExperiment: (profile: string, experimentId: string) => Promise<Outcome<true>>;
  revertExperiment: (profile: string, experimentId: string) => Promise<boolean>;
  exportJournal: (profile: string, format: ExportFormat, experimentId?: string) => Promise<Outcome<Res<'journal.export'>>>;
}

export const createJournalSlice: Slice<JournalSlice> = (set, get) => ({
  journals: {},
  experimentReverts: {},
  loadJournal: async (profile) => {
    set((s) => ({ journals: { ...s.journals, [profile]: { ...(s.journals[profile] ?? emptyLoadable()), loading: true } } }));
    try {
      const data = await call('journal.list', { profile });
      set((s) => ({ journals: { ...s.journals, [profile]: { data, loading: false, error: null, at: Date.now() } } }));
    } catch (e) {
      set((s) => ({ journals: { ...s.journals, [profile]: { ...(s.journals[profile] ?? emptyLoadable()), loading: false, error: errorText(e) } } }));
    }
  },
  resolveExperiment: async (profile, experimentId) => {
    try {
      await call('journal.resolve', { profile, experimentId });
      await get().loadJournal(profile);
      return { ok: true, value: true };
    } catch (e) {
      return { ok: false, error: errorText(e) };
    }
  },
  revertExperiment: async (profile, experimentId) => {
    const opId = get().beginOp('revert', `Revert experiment ${experimentId}`, profile, false);
    const put = (r: RevertRun) => set((s) => ({ experimentReverts: { ...s.experimentReverts, [experimentId]: r } }));
    put({ opId, status: 'running', error: null });
    try {
      const res = await call('revert.experiment', { profile, experimentId, opId });
      get().finishOp(opId, 'done');
      put({ opId, status: 'done', error: null });
      get().notify({ level: 'success', message: `Reverted: the VM is back at “${res.experiment.snapshot?.name ?? 'its pre-change snapshot'}”.` });
      void get().refreshProfileData(profile, { audit: true });
      return true;
    } catch (e) {
      const error = errorText(e);
      get().finishOp(opId, 'failed', error);
      put({ opId, status: 'failed', error });
      return false;
    }
  },
  exportJournal: async (profile, format, experimentId) => {
    try {
      const value = await call('journal.export', { profile, format, ...(experimentId ? { experimentId } : {}) });
      return { ok: true, value };
    } catch (e) {
      return { ok: false, error: errorText(e) };
    }
  },
});
