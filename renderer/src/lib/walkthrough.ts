/**
 * The guided walkthrough follows the container-host hardening guide in its
 * order. Progress is kept per VM (connection profile) in localStorage so a
 * person can skip a page, come back days later, and see where they were.
 * Everything here is pure over a Storage-like object, so it is tested in Node.
 */
export type WalkthroughPageId = 'sandbox' | 'kernel' | 'ssh' | 'scan' | 'privileged' | 'modules' | 'lsm' | 'isolation';

export interface WalkthroughPageDef {
  id: WalkthroughPageId;
  title: string;
  /** Steps run on this page, in order; empty for a read-only page. */
  steps: string[];
  /** A step offered as a demonstration: it is meant to fail and be reverted, so it never marks the page done. */
  demo?: string;
}

/** The safety-net demo: a deliberate lock-out the engine must notice and revert. */
export const DEMO_STEP = 'ssh-lockout';

export const WALKTHROUGH_PAGES: readonly WalkthroughPageDef[] = [
  { id: 'sandbox', title: 'Sandbox and baseline snapshot', steps: [], demo: DEMO_STEP },
  { id: 'kernel', title: 'Run the latest kernel', steps: ['kernel'] },
  { id: 'ssh', title: 'No root login, SSH keys only', steps: ['ssh', 'root-account'] },
  { id: 'scan', title: 'Scan the container host', steps: ['containers'] },
  { id: 'privileged', title: 'No privileged containers', steps: ['containers'] },
  { id: 'modules', title: 'A minimal set of kernel modules', steps: ['modules'] },
  { id: 'lsm', title: 'Kernel hardening frameworks', steps: ['lsm', 'sysctl'] },
  { id: 'isolation', title: 'Keep up with stronger isolation', steps: [] },
];

export type PageStatus = 'done' | 'skipped';

export interface WalkthroughProgress {
  version: 1;
  current: WalkthroughPageId;
  pages: Partial<Record<WalkthroughPageId, PageStatus>>;
}

export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const PAGE_IDS = new Set<string>(WALKTHROUGH_PAGES.map((p) => p.id));

export function storageKey(profile: string): string {
  return `hl.walkthrough.v1.${profile}`;
}

export function emptyProgress(): WalkthroughProgress {
  return { version: 1, current: 'sandbox', pages: {} };
}

/** Reads saved progress; anything unreadable or from another version starts fresh rather than breaking the page. */
export function loadProgress(storage: StorageLike | null, profile: string): WalkthroughProgress {
  if (!storage) return emptyProgress();
  let raw: string | null;
  try {
    raw = storage.getItem(storageKey(profile));
  } catch {
    return emptyProgress();
  }
  if (!raw) return emptyProgress();
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return emptyProgress();
    const o = parsed as Record<string, unknown>;
    if (o.version !== 1) return emptyProgress();
    const current = typeof o.current === 'string' && PAGE_IDS.has(o.current) ? (o.current as WalkthroughPageId) : 'sandbox';
    const pages: WalkthroughProgress['pages'] = {};
    if (typeof o.pages === 'object' && o.pages !== null) {
      for (const [k, v] of Object.entries(o.pages as Record<string, unknown>)) {
        if (PAGE_IDS.has(k) && (v === 'done' || v === 'skipped')) pages[k as WalkthroughPageId] = v;
      }
    }
    return { version: 1, current, pages };
  } catch {
    return emptyProgress();
  }
}

export function saveProgress(storage: StorageLike | null, profile: string, progress: WalkthroughProgress): boolean {
  if (!storage) return false;
  try {
    storage.setItem(storageKey(profile), JSON.stringify(progress));
    return true;
  } catch {
    return false;
  }
}

export function setPageStatus(p: WalkthroughProgress, page: WalkthroughPageId, status: PageStatus | null): WalkthroughProgress {
  const pages = { ...p.pages };
  if (status === null) delete pages[page];
  else pages[page] = status;
  return { ...p, pages };
}

export function goToPage(p: WalkthroughProgress, page: WalkthroughPageId): WalkthroughProgress {
  return { ...p, current: page };
}

export function pageIndex(page: WalkthroughPageId): number {
  return WALKTHROUGH_PAGES.findIndex((p) => p.id === page);
}

/**
 * Where "Next" goes: the next page after `from` that is not done, wrapping
 * around to pick up skipped pages; null when everything is done.
 */
export function nextOpenPage(p: WalkthroughProgress, from: WalkthroughPageId = p.current): WalkthroughPageId | null {
  const start = pageIndex(from);
  for (let i = 1; i <= WALKTHROUGH_PAGES.length; i++) {
    const page = WALKTHROUGH_PAGES[(start + i) % WALKTHROUGH_PAGES.length]!;
    if (p.pages[page.id] !== 'done') return page.id;
  }
  return null;
}

export function adjacentPage(page: WalkthroughPageId, delta: -1 | 1): WalkthroughPageId | null {
  return WALKTHROUGH_PAGES[pageIndex(page) + delta]?.id ?? null;
}

export function summarize(p: WalkthroughProgress): { done: number; skipped: number; total: number; percent: number } {
  const total = WALKTHROUGH_PAGES.length;
  let done = 0;
  let skipped = 0;
  for (const page of WALKTHROUGH_PAGES) {
    if (p.pages[page.id] === 'done') done++;
    else if (p.pages[page.id] === 'skipped') skipped++;
  }
  return { done, skipped, total, percent: Math.round((done / total) * 100) };
}
