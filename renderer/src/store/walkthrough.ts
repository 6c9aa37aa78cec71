import { loadProgress, saveProgress, type WalkthroughProgress } from '../lib/walkthrough';
import { browserStorage } from './storage';
import type { Slice } from './types';

/** Walkthrough progress per VM, mirrored to localStorage on every change. */
export interface WalkthroughSlice {
  walkthroughs: Record<string, WalkthroughProgress>;
  /** Saved progress for a VM, from the store or else from storage. */
  walkthroughFor: (profile: string) => WalkthroughProgress;
  updateWalkthrough: (profile: string, fn: (p: WalkthroughProgress) => WalkthroughProgress) => void;
}

export const createWalkthroughSlice: Slice<WalkthroughSlice> = (set, get) => ({
  walkthroughs: {},
  // Pure read (safe during render): the store caches progress only once it changes.
  walkthroughFor: (profile) => get().walkthroughs[profile] ?? loadProgress(browserStorage(), profile),
  updateWalkthrough: (profile, fn) => {
    const next = fn(get().walkthroughFor(profile));
    saveProgress(browserStorage(), profile, next);
    set((s) => ({ walkthroughs: { ...s.walkthroughs, [profile]: next } }));
  },
});
