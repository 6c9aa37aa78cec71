import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HardenLabError } from '../errors';
import { claimFileLock, parseLockOwner, pidAlive } from '../file-lock';

/**
 * Where one integration run keeps its lab VM.
 *
 * Why a home per run: the lane used to share <tmp>/hardenlab-test-home
 * between every run on the machine. Two runs at once (a CI run beside a
 * developer's, or a run of another clone) then drove the SAME VM: one run's
 * file restored its baseline under the other's commands ("connection closed
 * by remote host" mid apt-get, NOT_CONNECTED mid audit), its clean-up deleted
 * the snapshots the other had taken after its own start (the "lost" baseline
 * snapshot), and the first run to end shut the VM down under the other. A
 * run that failed also left the VM hardened for the next one. So every run
 * now gets a fresh instance from the cached image in a home of its own, and a
 * home given explicitly (HARDENLAB_TEST_HOME) is claimed for one run at a
 * time.
 */
export const RUN_HOME_PREFIX = 'hardenlab-test-run-';
const OWNER_FILE = 'run-owner.json';

export interface TestHomeChoice {
  home: string;
  /** Made for this run: removed, VM and all, when the run ends. */
  owned: boolean;
}

/** Pure: the explicit home when one is given, else a new one under tmp. */
export function chooseTestHome(explicit: string | undefined, tmp: string, unique: string): TestHomeChoice {
  if (explicit && explicit.trim() !== '') return { home: explicit, owned: false };
  return { home: join(tmp, `${RUN_HOME_PREFIX}${unique}`), owned: true };
}

export function uniqueRunSuffix(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** The releases of the homes this process holds: the lock's release needs the exact file it wrote. */
const held = new Map<string, () => Promise<void>>();

/**
 * Claims a home for this process with the core's file lock; refuses when a
 * live run holds it. An owner file whose process is gone (a run killed
 * mid-way) is taken over; this process claiming again keeps its claim.
 */
export async function claimTestHome(home: string): Promise<void> {
  if (held.has(home)) return;
  await mkdir(home, { recursive: true, mode: 0o700 });
  const claim = await claimFileLock(join(home, OWNER_FILE), `the lab test home ${home}`);
  if (claim.held) {
    held.set(home, claim.release);
    return;
  }
  const owner = claim.owner;
  throw new HardenLabError('VM_WRONG_STATE', owner ? `Another test run (process ${owner.pid}, since ${owner.since}) is using the lab test home ${home}.` : `Could not claim the lab test home ${home}: its owner file keeps coming back.`, {
    hint: 'Two runs must never drive one lab VM. Wait for it to end, or leave HARDENLAB_TEST_HOME unset so this run gets a home of its own.',
  });
}

export async function releaseTestHome(home: string): Promise<void> {
  const release = held.get(home);
  held.delete(home);
  await release?.();
}

async function ownerPid(home: string): Promise<number | null> {
  const text = await readFile(join(home, OWNER_FILE), 'utf8').catch(() => null);
  return text === null ? null : (parseLockOwner(text)?.pid ?? null);
}

/**
 * Run homes under tmp whose run is gone: a killed run leaves its VM running
 * (CPU every later run pays for) and its disk behind. `destroy` stops the VM
 * and removes its instance; the folder goes afterwards.
 */
export async function sweepAbandonedRunHomes(tmp: string, destroy: (home: string) => Promise<void>): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(tmp);
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const n of names) {
    if (!n.startsWith(RUN_HOME_PREFIX)) continue;
    const home = join(tmp, n);
    const m = /^(\d+)-/.exec(n.slice(RUN_HOME_PREFIX.length));
    const pid = (await ownerPid(home)) ?? (m ? Number(m[1]) : 0);
    if (pid === process.pid || pidAlive(pid)) continue;
    await destroy(home).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
    swept.push(home);
  }
  return swept;
}
