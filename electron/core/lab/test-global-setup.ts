import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { DriverProgress } from '../hypervisor/types';
import { listInstanceNames, readInstance } from '../hypervisor/qemu/instance/instance-store';
import { labDestroy, labUp } from './index';
import { chooseTestHome, claimTestHome, releaseTestHome, sweepAbandonedRunHomes, uniqueRunSuffix } from './test-home';
import type { LabTestInfo } from './testing';

/**
 * Global setup of the integration lane: one lab VM for all integration test
 * files. It lives in a Harden Lab home of this run's own (a new
 * <tmp>/hardenlab-test-run-* folder, or HARDENLAB_TEST_HOME, claimed for one
 * run at a time; see test-home.ts for why runs never share a VM), so tests
 * never touch the user's profiles. The image cache stays the normal one: the
 * image is built once (needs root) and shared by every later run. Every run
 * starts from a fresh instance of the cached image (a copy, seconds), never
 * from what an earlier run left, and destroys it when it ends.
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

/** Every VM of a test home, 'lab' and any a test made beside it. */
async function destroyAllLabs(home: string): Promise<void> {
  for (const name of await listInstanceNames(home)) await labDestroy(name, { home });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.HARDENLAB_LAB === 'off') {
    project.provide('hardenlabLab', null);
    project.provide('hardenlabLabSkipReason', 'HARDENLAB_LAB=off');
    return async () => {};
  }
  const onProgress = progressPrinter();
  const swept = await sweepAbandonedRunHomes(tmpdir(), destroyAllLabs);
  for (const h of swept) onProgress({ phase: 'instance', message: `Removed ${h}, left with its VM by a run that is gone.` });
  const { home, owned } = chooseTestHome(process.env.HARDENLAB_TEST_HOME, tmpdir(), uniqueRunSuffix());
  await claimTestHome(home);
  // Workers started after this inherit it; labTestContext() sets it again in each worker.
  process.env.HARDENLAB_HOME = home;
  // Pristine: whatever a failed run left in an explicit home (a hardened VM, its snapshots) is thrown away.
  if (await readInstance('lab', home)) {
    onProgress({ phase: 'instance', message: `Replacing the lab VM an earlier run left in ${home} by a fresh one.` });
    await labDestroy('lab', { home });
  }
  const cleanUp = async () => {
    await destroyAllLabs(home);
    await releaseTestHome(home);
    if (owned) await rm(home, { recursive: true, force: true });
  };
  let info;
  try {
    info = await labUp({ name: 'lab', home, onProgress });
  } catch (e) {
    await cleanUp().catch(() => undefined);
    throw e;
  }
  const lab: LabTestInfo = { home, info, setupSeconds: Math.round((Date.now() - started) / 100) / 10 };
  writeFileSync(join(home, 'lab-test.json'), JSON.stringify(lab, null, 2) + '\n', { mode: 0o600 });
  process.stderr.write(
    `[lab] ready in ${lab.setupSeconds} s: ssh -i ${info.keyPath} -p ${info.port} ${info.user}@${info.host} (${info.accel}; image ${info.timings.imageBuilt ? `built in ${info.timings.imageSeconds.toFixed(0)} s` : 'cached'}; boot ${info.timings.bootSeconds ?? 'already running'} s)\n`,
  );
  project.provide('hardenlabLab', lab);
  project.provide('hardenlabLabSkipReason', '');
  return async () => {
    // Nothing of the VM is worth keeping: the next run starts from the image again.
    await cleanUp();
    process.stderr.write(`[lab] destroyed (total ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  };
}
