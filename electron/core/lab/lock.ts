import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HardenLabError } from '../errors';

/**
 * A lock file shared by every Harden Lab process (the app, the CLI, a test
 * run) so that two of them never build the same image or drive the same VM
 * at once. The file holds the owner's pid; a lock whose owner is gone is
 * taken over. Within one process, a promise chain serialises callers first,
 * so the file is only contended between processes.
 */
const chains = new Map<string, Promise<unknown>>();

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryAcquire(file: string): Promise<boolean> {
  try {
    const fh = await open(file, 'wx', 0o600);
    await fh.writeFile(`${process.pid}\n`);
    await fh.close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let owner: number;
  try {
    owner = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
  } catch {
    return false; // removed meanwhile: try again
  }
  if (owner === process.pid) return false; // held by another chain of ours (different key): wait
  if (!pidAlive(owner)) {
    await unlink(file).catch(() => {});
  }
  return false;
}

export interface LockOptions {
  timeoutMs: number;
  /** What the lock protects, for the error message. */
  what: string;
  signal?: AbortSignal;
}

export async function withFileLock<T>(file: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(file) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const chained = prev.then(() => mine);
  chains.set(file, chained);
  try {
    await prev.catch(() => {});
    await mkdir(dirname(file), { recursive: true });
    const deadline = Date.now() + opts.timeoutMs;
    while (!(await tryAcquire(file))) {
      if (opts.signal?.aborted) throw new HardenLabError('CANCELLED', `Cancelled while waiting for ${opts.what}.`);
      if (Date.now() > deadline) {
        throw new HardenLabError('TIMEOUT', `Another Harden Lab process is busy with ${opts.what}.`, {
          hint: `Wait for it to finish. If no other Harden Lab runs, remove ${file}.`,
        });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    try {
      return await fn();
    } finally {
      await unlink(file).catch(() => {});
    }
  } finally {
    release();
    if (chains.get(file) === chained) chains.delete(file);
  }
}
