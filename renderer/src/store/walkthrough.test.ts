import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setPageStatus, storageKey } from '../lib/walkthrough';
import { createAppStore } from './index';

const data = new Map<string, string>();

beforeEach(() => {
  data.clear();
  (globalThis as { localStorage?: unknown }).localStorage = {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
});
afterEach(() => {
  delete (globalThis as { localStorage?: unknown }).localStorage;
});

describe('walkthrough slice', () => {
  it('persists progress per VM on every change and reads it back in a new session', () => {
    const store = createAppStore();
    store.getState().updateWalkthrough('lab', (p) => setPageStatus(p, 'sandbox', 'done'));
    store.getState().updateWalkthrough('other', (p) => setPageStatus(p, 'kernel', 'skipped'));
    expect(JSON.parse(data.get(storageKey('lab'))!).pages).toEqual({ sandbox: 'done' });

    const next = createAppStore();
    expect(next.getState().walkthroughFor('lab').pages).toEqual({ sandbox: 'done' });
    expect(next.getState().walkthroughFor('other').pages).toEqual({ kernel: 'skipped' });
    // Reading is pure: it does not write the store.
    expect(next.getState().walkthroughs).toEqual({});
  });
});
