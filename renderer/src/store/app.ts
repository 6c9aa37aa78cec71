import type { Res } from '../../../shared/contract';
import { call, errorText, type ErrorView } from '../api/client';
import { readPref, writePref } from './storage';
import type { Slice } from './types';

export type ViewId = 'dashboard' | 'walkthrough' | 'steps' | 'snapshots' | 'journal' | 'terminal' | 'connections' | 'system' | 'canaries' | 'trials' | 'fleet';
export type Theme = 'dark' | 'light';

export interface AppSlice {
  view: ViewId;
  theme: Theme;
  info: Res<'app.info'> | null;
  bootError: ErrorView | null;
  /** The first load (app info, profiles) is over, successfully or not. */
  booted: boolean;
  setView: (v: ViewId) => void;
  setTheme: (t: Theme) => void;
  boot: () => Promise<void>;
}

const initialTheme = (): Theme => {
  const saved = readPref('hl.theme');
  if (saved === 'dark' || saved === 'light') return saved;
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
};

export const createAppSlice: Slice<AppSlice> = (set, get) => ({
  view: 'dashboard',
  theme: initialTheme(),
  info: null,
  bootError: null,
  booted: false,
  setView: (view) => set({ view }),
  setTheme: (theme) => {
    writePref('hl.theme', theme);
    set({ theme });
  },
  boot: async () => {
    try {
      const info = await call('app.info', {});
      set({ info, bootError: null });
      await get().loadProfiles();
      set({ booted: true });
      void get().loadSteps();
      const active = get().activeProfile;
      if (active) {
        void get().refreshProfileData(active);
        void get().connect(active);
      }
    } catch (e) {
      set({ bootError: errorText(e), booted: true });
    }
  },
});
