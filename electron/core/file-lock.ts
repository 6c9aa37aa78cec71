import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HardenLabError } from './errors';

/**
 * A lock file shared by every Harden Lab process (the app, `npm run serve`,
 * the CLI, a test run), so that two of them never build the same image,
 * drive the same VM or change the same profile at once. The file says who
 * holds it: pid, what it is doing and since when. A lock whose owner is gone
 * is taken over.
 *
 * Two ways to meet a held lock: wait for it (the lab and the image builder,
 * where the other process's work is what this one needs too), or refuse at
 * once (a change to a profile: queueing a second change behind the first
 * would apply it to a VM its plan no longer describes).
 */
export interface LockOwner {
  pid: number;
  what: string;
  since: string;
}

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

/** The owner a lock file names; a bare pid is what versions before what/since wrote. Null when it names none. */
export function parseLockOwner(text: string): LockOwner | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { pid: Number(t), what: 'unknown work', since: 'an unknown time' };
  try {
    const o = JSON.parse(t) as Partial<LockOwner> | null;
    if (typeof o?.pid !== 'number' || !Number.isInteger(o.pid)) return null;
    return { pid: o.pid, what: typeof o.what === 'string' ? o.what : 'unknown work', since: typeof o.since === 'string' ? o.since : 'an unknown time' };
  } catch {
    return null;
  }
}

export function busyMessage(owner: LockOwner): string {
  return `busy: ${owner.what} since ${owner.since} in process ${owner.pid}`;
}

/** The exact text of a lock file identifies it: the token makes two holders' files differ even when pid, what and second agree. */
type Attempt = { held: true; text: string } | { held: false; owner: LockOwner | null; retry: boolean };

/**
 * Sets a lock file aside when it is the one found stale. Between reading it
 * and removing it another process may have taken over the same stale lock
 * and made a fresh one: renaming first and comparing contents makes sure
 * only the stale file goes (inode numbers would not do: a freed one is
 * reused at once).
 */
export async function removeStale(file: string, staleText: string): Promise<void> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(file, aside);
  } catch {
    return; // gone already
  }
  const moved = await readFile(aside, 'utf8').catch(() => null);
  if (moved !== null && moved !== staleText) await link(aside, file).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

async function tryAcquire(file: string, what: string): Promise<Attempt> {
  const mine = JSON.stringify({ pid: process.pid, what, since: new Date().toISOString(), token: randomBytes(8).toString('hex') }) + '\n';
  // Written whole beside the lock, then linked into place: a lock file is never seen empty, so a
  // process reading it while it is being made cannot mistake it for a stale one.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, mine, { mode: 0o600 });
  try {
    await link(tmp, file);
    return { held: true, text: mine };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return { held: false, owner: null, retry: true }; // released meanwhile
  const owner = parseLockOwner(text);
  // Our own pid: another caller in this process holds it, which is as busy as any other.
  if (owner && (owner.pid === process.pid || pidAlive(owner.pid))) return { held: false, owner, retry: false };
  await removeStale(file, text);
  return { held: false, owner, retry: true };
}

/** Removes the lock only while it is still the file this holder made. */
async function release(file: string, mine: string): Promise<void> {
  if ((await readFile(file, 'utf8').catch(() => null)) === mine) await unlink(file).catch(() => undefined);
}

export interface LockOptions {
  /** What the holder is doing, for the message another process sees ("applying ssh on lab"). */
  what: string;
  /** How long to wait for another holder; 0 refuses at once with a "busy: ..." error. */
  timeoutMs: number;
  signal?: AbortSignal;
}

const chains = new Map<string, Promise<unknown>>();

export async function withFileLock<T>(file: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  if (opts.timeoutMs <= 0) {
    await mkdir(dirname(file), { recursive: true });
    return holding(file, await acquireOrRefuse(file, opts), fn);
  }
  // Waiters of one process queue on a promise chain, in call order, so only processes contend for the file.
  const prev = chains.get(file) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const chained = prev.then(() => mine);
  chains.set(file, chained);
  try {
    await prev.catch(() => {});
    await mkdir(dirname(file), { recursive: true });
    return await holding(file, await acquireOrWait(file, opts), fn);
  } finally {
    done();
    if (chains.get(file) === chained) chains.delete(file);
  }
}

async function holding<T>(file: string, mine: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await release(file, mine);
  }
}

/** A few tries only to step over a stale lock or one released while we looked; a live holder (this process included) wins. */
async function tryClaim(file: string, what: string): Promise<{ text: string } | { owner: LockOwner | null }> {
  let last: LockOwner | null = null;
  for (let i = 0; i < 3; i++) {
    const a = await tryAcquire(file, what);
    if (a.held) return { text: a.text };
    last = a.owner ?? last;
    if (!a.retry) break;
  }
  return { owner: last };
}

async function acquireOrRefuse(file: string, opts: LockOptions): Promise<string> {
  const c = await tryClaim(file, opts.what);
  if ('text' in c) return c.text;
  const last = c.owner;
  // VM_WRONG_STATE: nothing was changed and the request can be made again later, which is how the UI reads it (it keeps the plan).
  throw new HardenLabError('VM_WRONG_STATE', last ? busyMessage(last) : `busy: ${file} is locked by another Harden Lab process`, {
    hint: `Wait for it to finish, then try again. If process ${last?.pid ?? '?'} is not Harden Lab (its pid reused after a crash), remove ${file}.`,
  });
}

export type FileLockClaim = { held: true; release: () => Promise<void> } | { held: false; owner: LockOwner | null };

/**
 * Takes the lock without waiting and keeps it until release(), for a hold
 * that spans more than one call (a whole test run, from its setup to its
 * teardown); the caller words the refusal.
 */
export async function claimFileLock(file: string, what: string): Promise<FileLockClaim> {
  await mkdir(dirname(file), { recursive: true });
  const c = await tryClaim(file, what);
  if ('owner' in c) return { held: false, owner: c.owner };
  return { held: true, release: () => release(file, c.text) };
}

async function acquireOrWait(file: string, opts: LockOptions): Promise<string> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const a = await tryAcquire(file, opts.what);
    if (a.held) return a.text;
    if (opts.signal?.aborted) throw new HardenLabError('CANCELLED', `Cancelled while waiting for ${opts.what}.`);
    if (Date.now() > deadline) {
      throw new HardenLabError('TIMEOUT', `Another Harden Lab process is busy with ${opts.what}${a.owner ? ` (${busyMessage(a.owner)})` : ''}.`, {
        hint: `Wait for it to finish. If no other Harden Lab runs, remove ${file}.`,
      });
    }
    if (!a.retry) await new Promise((r) => setTimeout(r, 200));
  }
}
