import { afterAll, beforeAll } from 'vitest';
import { createCore, type Core } from '../api/core';
import { labTestContext } from '../lab/testing';
import type { AnyStep } from '../engine/step';

/**
 * For integration tests of steps and the engine: the real core (SSH layer,
 * QEMU driver, journal, engine) pointed at the lab VM the global setup
 * booted. The lab's host key is pinned in its profile, so no prompt is ever
 * needed; an unexpected one is refused.
 */
export function labCore(opts: { steps?: readonly AnyStep[] } = {}): Core {
  const { home } = labTestContext();
  return createCore({ door: 'cli', home, prompter: async () => 'cancel', ...(opts.steps ? { steps: opts.steps } : {}) });
}

/**
 * Takes a snapshot before the file's tests and restores it after them, so
 * each test file starts from the lab's baseline and leaves it behind.
 * Returns the core to use.
 */
export function useCleanLab(label: string, opts: { steps?: readonly AnyStep[] } = {}): () => Core {
  let core: Core | null = null;
  let baselineId: string | null = null;
  let existing = new Set<string>();
  beforeAll(async () => {
    core = labCore(opts);
    const driver = await core.services.drivers.getDriver('qemu');
    existing = new Set((await driver.listSnapshots('lab')).snapshots.map((s) => s.id));
    const snap = await driver.takeSnapshot('lab', `test-${label}-${Date.now()}`.replace(/[^A-Za-z0-9._:+-]/g, '-'), { description: `before the ${label} integration tests`, live: true });
    baselineId = snap.id;
  });
  afterAll(async () => {
    if (!core || !baselineId) return;
    const driver = await core.services.drivers.getDriver('qemu');
    core.services.connections.forget('lab');
    await driver.restoreSnapshot('lab', baselineId);
    // Snapshots taken by the tests (the engine's pre-change ones) go too, or the test disk grows run after run.
    for (const snap of (await driver.listSnapshots('lab')).snapshots.reverse()) {
      if (!existing.has(snap.id)) await driver.deleteSnapshot('lab', snap.id).catch(() => undefined);
    }
    await core.dispose();
  });
  return () => {
    if (!core) throw new Error('useCleanLab: the lab core is created in beforeAll.');
    return core;
  };
}
