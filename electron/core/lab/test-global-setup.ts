import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { DriverProgress } from '../hypervisor/types';
import { imageKey, labDestroy, labDown, labUp, readInstance } from './index';
import type { LabTestInfo } from './testing';

/**
 * Global setup of the integration lane: one lab VM for all integration test
 * files. It lives in its own Harden Lab home (HARDENLAB_TEST_HOME, default
 * <tmp>/hardenlab-test-home) so tests never touch the user's profiles, while
 * the image cache stays the normal one: the image is built once (needs root)
 * and shared by every later run. The VM is stopped when the run ends; its
 * disk stays, so the next run only boots it (unless the image recipe changed:
 * then the test lab is recreated from the new image).
 *
 * Tests read it with labTestContext() from ./testing (vitest inject), or
 * from the JSON file written to <home>/lab-test.json.
 * HARDENLAB_LAB=off skips the VM (tests that need it then fail saying so).
 */
const started = Date.now();

function progressPrinter(): (p: DriverProgress) => void {
  let lastPhase = '';
  let lastPercent = -10;
  return (p) => {
    // debootstrap says something for every package: show a line per 5 %.
    const noisy = p.phase === 'image-debootstrap';
    if (noisy && p.phase === lastPhase && (p.percent ?? 0) - lastPercent < 5) return;
    lastPhase = p.phase;
    lastPercent = p.percent ?? lastPercent;
    const pct = p.percent === undefined ? '' : ` ${Math.round(p.percent)}%`;
    process.stderr.write(`[lab +${((Date.now() - started) / 1000).toFixed(1)}s] ${p.phase}${pct}: ${p.message}\n`);
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const home = process.env.HARDENLAB_TEST_HOME || join(tmpdir(), 'hardenlab-test-home');
  if (process.env.HARDENLAB_LAB === 'off') {
    project.provide('hardenlabLab', null);
    project.provide('hardenlabLabSkipReason', 'HARDENLAB_LAB=off');
    return async () => {};
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // Workers started after this inherit it; labTestContext() sets it again in each worker.
  process.env.HARDENLAB_HOME = home;
  const onProgress = progressPrinter();
  // The test home is disposable: an instance made by an older image recipe would test an old baseline.
  const existing = await readInstance('lab', home);
  if (existing && existing.imageKey !== imageKey()) {
    onProgress({ phase: 'instance', message: `Replacing the test lab made from image ${existing.imageKey} by one from ${imageKey()}.` });
    await labDestroy('lab', { home });
  }
  const info = await labUp({ name: 'lab', home, onProgress });
  const lab: LabTestInfo = { home, info, setupSeconds: Math.round((Date.now() - started) / 100) / 10 };
  writeFileSync(join(home, 'lab-test.json'), JSON.stringify(lab, null, 2) + '\n', { mode: 0o600 });
  process.stderr.write(
    `[lab] ready in ${lab.setupSeconds} s: ssh -i ${info.keyPath} -p ${info.port} ${info.user}@${info.host} (${info.accel}; image ${info.timings.imageBuilt ? `built in ${info.timings.imageSeconds.toFixed(0)} s` : 'cached'}; boot ${info.timings.bootSeconds ?? 'already running'} s)\n`,
  );
  project.provide('hardenlabLab', lab);
  project.provide('hardenlabLabSkipReason', '');
  return async () => {
    await labDown('lab', { home, gracefulTimeoutMs: 60_000 });
    process.stderr.write(`[lab] stopped (total ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  };
}
