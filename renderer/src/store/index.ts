import { createStore, type StateCreator } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { Profile } from '../../../shared/profile';
import type { HostKeyPrompt, ProgressEvent, Res } from '../../../shared/contract';
import { call, errorText } from '../api/client';

/**
 * One store made of typed slices; actions live beside the state they change.
 * Built with zustand's vanilla createStore so its logic is testable without
 * React; components read it through useApp(selector).
 */
export type ViewId = 'dashboard' | 'walkthrough' | 'steps' | 'snapshots' | 'journal' | 'terminal' | 'connections' | 'system';
export type Theme = 'dark' | 'light';

export interface Notice {
  id: number;
  level: 'info' | 'success' | 'error';
  message: string;
  hint?: string;
}

export interface AppSlice {
  view: ViewId;
  theme: Theme;
  info: Res<'app.info'> | null;
  bootError: { message: string; hint?: string } | null;
  setView: (v: ViewId) => void;
  setTheme: (t: Theme) => void;
  boot: () => Promise<void>;
}

export interface ProfilesSlice {
  profiles: Profile[];
  profilesLoaded: boolean;
  activeProfile: string | null;
  loadProfiles: () => Promise<void>;
  saveProfile: (p: Profile) => Promise<void>;
  deleteProfile: (name: string) => Promise<void>;
  selectProfile: (name: string | null) => void;
}

export interface ActivitySlice {
  notices: Notice[];
  progress: Record<string, ProgressEvent[]>;
  notify: (n: Omit<Notice, 'id'>) => void;
  dismiss: (id: number) => void;
  addProgress: (e: ProgressEvent) => void;
}

export interface HostKeySlice {
  hostKeyPrompts: HostKeyPrompt[];
  pushHostKeyPrompt: (p: HostKeyPrompt) => void;
  dropHostKeyPrompt: (promptId: string) => void;
}

export type AppState = AppSlice & ProfilesSlice & ActivitySlice & HostKeySlice;
type Slice<T> = StateCreator<AppState, [], [], T>;

const initialTheme = (): Theme => {
  try {
    const saved = localStorage.getItem('hl.theme');
    if (saved === 'dark' || saved === 'light') return saved;
  } catch {
    /* storage unavailable */
  }
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
};

const createAppSlice: Slice<AppSlice> = (set, get) => ({
  view: 'dashboard',
  theme: initialTheme(),
  info: null,
  bootError: null,
  setView: (view) => set({ view }),
  setTheme: (theme) => {
    try {
      localStorage.setItem('hl.theme', theme);
    } catch {
      /* storage unavailable */
    }
    set({ theme });
  },
  boot: async () => {
    try {
      const info = await call('app.info', {});
      set({ info, bootError: null });
      await get().loadProfiles();
      if (get().profiles.length === 0) set({ view: 'connections' });
    } catch (e) {
      set({ bootError: errorText(e) });
    }
  },
});

const createProfilesSlice: Slice<ProfilesSlice> = (set, get) => ({
  profiles: [],
  profilesLoaded: false,
  activeProfile: null,
  loadProfiles: async () => {
    const { profiles } = await call('profiles.list', {});
    const active = get().activeProfile;
    set({
      profiles,
      profilesLoaded: true,
      activeProfile: active && profiles.some((p) => p.name === active) ? active : (profiles[0]?.name ?? null),
    });
  },
  saveProfile: async (p) => {
    await call('profiles.save', { profile: p });
    await get().loadProfiles();
    set({ activeProfile: p.name });
  },
  deleteProfile: async (name) => {
    await call('profiles.delete', { name });
    await get().loadProfiles();
  },
  selectProfile: (name) => set({ activeProfile: name }),
});

let noticeId = 0;
const createActivitySlice: Slice<ActivitySlice> = (set) => ({
  notices: [],
  progress: {},
  notify: (n) => {
    noticeId += 1;
    const id = noticeId;
    set((s) => ({ notices: [...s.notices.slice(-4), { ...n, id }] }));
  },
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  addProgress: (e) => set((s) => ({ progress: { ...s.progress, [e.opId]: [...(s.progress[e.opId] ?? []), e].slice(-500) } })),
});

const createHostKeySlice: Slice<HostKeySlice> = (set) => ({
  hostKeyPrompts: [],
  pushHostKeyPrompt: (p) => set((s) => ({ hostKeyPrompts: [...s.hostKeyPrompts.filter((x) => x.promptId !== p.promptId), p] })),
  dropHostKeyPrompt: (promptId) => set((s) => ({ hostKeyPrompts: s.hostKeyPrompts.filter((x) => x.promptId !== promptId) })),
});

export function createAppStore() {
  return createStore<AppState>()((...a) => ({
    ...createAppSlice(...a),
    ...createProfilesSlice(...a),
    ...createActivitySlice(...a),
    ...createHostKeySlice(...a),
  }));
}

export const appStore = createAppStore();

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
