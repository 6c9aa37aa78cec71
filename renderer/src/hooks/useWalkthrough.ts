import { useMemo } from 'react';
import { loadProgress, type WalkthroughProgress } from '../lib/walkthrough';
import { useApp } from '../store';
import { browserStorage } from '../store/storage';

/** A VM's walkthrough progress: the store's copy once changed, else what storage holds. */
export function useWalkthrough(profile: string): WalkthroughProgress {
  const cached = useApp((s) => s.walkthroughs[profile]);
  const stored = useMemo(() => loadProgress(browserStorage(), profile), [profile]);
  return cached ?? stored;
}
