import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from '../file-lock';
import type { Journal } from './journal';

/**
 * One change at a time per profile, whichever process makes it: the app,
 * `npm run serve` and the CLI each have an engine of their own, and two
 * changes to one VM at once would snapshot, restore and journal over each
 * other. The lock file lives beside the profile's journal, so every process
 * that records changes to that profile shares it. A second change is refused
 * at once ("busy: ... in process N") rather than queued: by the time it ran,
 * its plan would describe a VM that has moved on.
 */
export async function withProfileLock<T>(journal: Journal, profile: string, what: string, fn: () => Promise<T>): Promise<T> {
  journal.fileFor(profile); // the same name check as the journal's
  await mkdir(journal.dir, { recursive: true, mode: 0o700 });
  return withFileLock(join(journal.dir, `${profile}.lock`), { what, timeoutMs: 0 }, fn);
}
