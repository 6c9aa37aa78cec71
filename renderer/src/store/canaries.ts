import type { Canary, CanaryResult } from '../../../shared/canary';
import { call, errorText, type ErrorView } from '../api/client';
import type { Outcome, Slice } from './types';

/**
 * The canaries of each profile ("this host still does its job") and their
 * last run. The core parses every canary with the one schema; a refusal
 * comes back as an error for the form to show, nothing is half saved.
 */
export interface CanaryEntry {
  list: Canary[] | null;
  loading: boolean;
  error: ErrorView | null;
  running: boolean;
  runOpId: string | null;
  lastRun: { at: string; results: CanaryResult[] } | null;
  runError: ErrorView | null;
}

export interface CanariesSlice {
  canaries: Record<string, CanaryEntry>;
  loadCanaries: (profile: string) => Promise<void>;
  saveCanary: (profile: string, canary: unknown) => Promise<Outcome<Canary>>;
  removeCanary: (profile: string, name: string) => Promise<Outcome<boolean>>;
  runCanaries: (profile: string) => Promise<void>;
  /** A run that happened elsewhere (an apply's canaries): the dashboard shows the VM as it was left. */
  noteCanaryRun: (profile: string, run: { at: string; results: CanaryResult[] }) => void;
}

export const emptyCanaries: CanaryEntry = { list: null, loading: false, error: null, running: false, runOpId: null, lastRun: null, runError: null };

export const createCanariesSlice: Slice<CanariesSlice> = (set, get) => {
  const put = (profile: string, p: Partial<CanaryEntry>) => set((s) => ({ canaries: { ...s.canaries, [profile]: { ...(s.canaries[profile] ?? emptyCanaries), ...p } } }));
  return {
    canaries: {},
    loadCanaries: async (profile) => {
      put(profile, { loading: true, error: null });
      try {
        const { canaries } = await call('canaries.list', { profile });
        put(profile, { list: canaries, loading: false });
      } catch (e) {
        put(profile, { loading: false, error: errorText(e) });
      }
    },
    saveCanary: async (profile, canary) => {
      try {
        const r = await call('canaries.save', { profile, canary });
        await get().loadCanaries(profile);
        return { ok: true, value: r.canary };
      } catch (e) {
        return { ok: false, error: errorText(e) };
      }
    },
    removeCanary: async (profile, name) => {
      try {
        const r = await call('canaries.remove', { profile, name });
        await get().loadCanaries(profile);
        return { ok: true, value: r.removed };
      } catch (e) {
        return { ok: false, error: errorText(e) };
      }
    },
    noteCanaryRun: (profile, run) => put(profile, { lastRun: run }),
    runCanaries: async (profile) => {
      if (get().canaries[profile]?.running) return;
      const opId = get().beginOp('canaries', `Run the canaries of ${profile}`, profile, true);
      put(profile, { running: true, runOpId: opId, runError: null });
      try {
        const r = await call('canaries.run', { profile, opId });
        get().finishOp(opId, r.results.every((x) => x.ok) ? 'done' : 'failed');
        put(profile, { running: false, lastRun: { at: r.at, results: r.results } });
      } catch (e) {
        const error = errorText(e);
        get().finishOp(opId, error.code === 'CANCELLED' ? 'cancelled' : 'failed', error);
        put(profile, { running: false, runError: error.code === 'CANCELLED' ? null : error });
      }
    },
  };
};
