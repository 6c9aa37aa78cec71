import { describe, expect, it } from 'vitest';
import { emptyProgress, loadProgress, nextOpenPage, saveProgress, setPageStatus, storageKey, summarize, WALKTHROUGH_PAGES, goToPage, type StorageLike } from './walkthrough';

function memoryStorage(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe('walkthrough progress', () => {
  it('follows the guide order with eight pages', () => {
    expect(WALKTHROUGH_PAGES.map((p) => p.id)).toEqual(['sandbox', 'kernel', 'ssh', 'scan', 'privileged', 'modules', 'lsm', 'isolation']);
    expect(WALKTHROUGH_PAGES.find((p) => p.id === 'lsm')!.steps).toEqual(['lsm', 'sysctl']);
    expect(WALKTHROUGH_PAGES.find((p) => p.id === 'ssh')!.steps).toEqual(['ssh', 'root-account']);
  });

  it('saves per VM and reads back the same progress', () => {
    const s = memoryStorage();
    let p = setPageStatus(emptyProgress(), 'sandbox', 'done');
    p = setPageStatus(p, 'kernel', 'skipped');
    p = goToPage(p, 'ssh');
    expect(saveProgress(s, 'lab', p)).toBe(true);
    expect(loadProgress(s, 'lab')).toEqual(p);
    expect(loadProgress(s, 'other-vm')).toEqual(emptyProgress());
    expect([...s.data.keys()]).toEqual([storageKey('lab')]);
  });

  it('starts fresh on damaged or foreign data instead of failing', () => {
    const s = memoryStorage();
    s.setItem(storageKey('lab'), '{not json');
    expect(loadProgress(s, 'lab')).toEqual(emptyProgress());
    s.setItem(storageKey('lab'), JSON.stringify({ version: 2, current: 'kernel', pages: {} }));
    expect(loadProgress(s, 'lab')).toEqual(emptyProgress());
    s.setItem(storageKey('lab'), JSON.stringify({ version: 1, current: 'nope', pages: { kernel: 'done', bogus: 'done', ssh: 'maybe' } }));
    expect(loadProgress(s, 'lab')).toEqual({ version: 1, current: 'sandbox', pages: { kernel: 'done' } });
  });

  it('copes with no storage or a storage that throws', () => {
    expect(loadProgress(null, 'lab')).toEqual(emptyProgress());
    const throwing: StorageLike = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
      removeItem: () => undefined,
    };
    expect(loadProgress(throwing, 'lab')).toEqual(emptyProgress());
    expect(saveProgress(throwing, 'lab', emptyProgress())).toBe(false);
  });

  it('goes next to the first page not done, wrapping round to skipped ones', () => {
    let p = emptyProgress();
    expect(nextOpenPage(p, 'sandbox')).toBe('kernel');
    p = setPageStatus(p, 'kernel', 'skipped');
    for (const id of ['sandbox', 'ssh', 'scan', 'privileged', 'modules', 'lsm', 'isolation'] as const) p = setPageStatus(p, id, 'done');
    expect(nextOpenPage(p, 'isolation')).toBe('kernel');
    p = setPageStatus(p, 'kernel', 'done');
    expect(nextOpenPage(p, 'isolation')).toBeNull();
    expect(summarize(p)).toEqual({ done: 8, skipped: 0, total: 8, percent: 100 });
  });

  it('clears a page status', () => {
    const p = setPageStatus(setPageStatus(emptyProgress(), 'scan', 'done'), 'scan', null);
    expect(p.pages).toEqual({});
    expect(summarize(setPageStatus(p, 'scan', 'skipped'))).toMatchObject({ done: 0, skipped: 1 });
  });
});
