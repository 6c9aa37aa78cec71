import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHardenLabError } from './errors';
import { busyMessage, parseLockOwner, pidAlive, removeStale, withFileLock } from './file-lock';

describe('withFileLock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hl-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs callers of one process one after the other and removes the file afterwards', async () => {
    const file = join(dir, 'x.lock');
    const trace: string[] = [];
    const job = (n: string) =>
      withFileLock(file, { timeoutMs: 5000, what: 'x' }, async () => {
        trace.push(`${n}:in:${parseLockOwner(readFileSync(file, 'utf8'))?.pid}`);
        await new Promise((r) => setTimeout(r, 30));
        trace.push(`${n}:out`);
        return n;
      });
    expect(await Promise.all([job('a'), job('b'), job('c')])).toEqual(['a', 'b', 'c']);
    expect(trace).toEqual([`a:in:${process.pid}`, 'a:out', `b:in:${process.pid}`, 'b:out', `c:in:${process.pid}`, 'c:out']);
    expect(() => readFileSync(file)).toThrow();
  });

  it('releases the lock when the work fails', async () => {
    const file = join(dir, 'x.lock');
    await expect(withFileLock(file, { timeoutMs: 1000, what: 'x' }, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withFileLock(file, { timeoutMs: 1000, what: 'x' }, async () => 'ok')).resolves.toBe('ok');
  });

  it('takes over a lock whose owner is dead', async () => {
    const file = join(dir, 'x.lock');
    writeFileSync(file, '999999999\n');
    expect(pidAlive(999999999)).toBe(false);
    await expect(withFileLock(file, { timeoutMs: 2000, what: 'x' }, async () => 'mine')).resolves.toBe('mine');
  });

  it('waits for a live owner and times out with an actionable message', async () => {
    const file = join(dir, 'x.lock');
    writeFileSync(file, '1\n'); // pid 1 is alive
    const err = await withFileLock(file, { timeoutMs: 300, what: 'building the image' }, async () => 'never').catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.code).toBe('TIMEOUT');
    expect((err as Error).message).toContain('building the image');
  });

  it('records who holds it: pid, what and since when', async () => {
    const file = join(dir, 'x.lock');
    const seen = await withFileLock(file, { timeoutMs: 0, what: 'applying "ssh" on lab' }, async () => JSON.parse(readFileSync(file, 'utf8')) as unknown);
    expect(seen).toMatchObject({ pid: process.pid, what: 'applying "ssh" on lab', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('with no wait, refuses at once while a live process holds it, saying who and since when', async () => {
    const file = join(dir, 'x.lock');
    writeFileSync(file, JSON.stringify({ pid: 1, what: 'reverting e1 on lab', since: '2026-11-29T10:00:00.000Z' }));
    const t0 = Date.now();
    const err = await withFileLock(file, { timeoutMs: 0, what: 'applying' }, async () => 'never').catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(150);
    expect(isHardenLabError(err) && err.code).toBe('VM_WRONG_STATE');
    expect((err as Error).message).toBe('busy: reverting e1 on lab since 2026-11-29T10:00:00.000Z in process 1');
    expect(readFileSync(file, 'utf8')).toContain('reverting e1');
  });

  it('with no wait, refuses a second holder in the same process too', async () => {
    const file = join(dir, 'x.lock');
    let inner: unknown;
    await withFileLock(file, { timeoutMs: 0, what: 'applying "ssh" on lab' }, async () => {
      inner = await withFileLock(file, { timeoutMs: 0, what: 'reverting' }, async () => 'never').catch((e: unknown) => e);
    });
    expect((inner as Error).message).toMatch(new RegExp(`^busy: applying "ssh" on lab since \\S+ in process ${process.pid}$`));
    await expect(withFileLock(file, { timeoutMs: 0, what: 'x' }, async () => 'free again')).resolves.toBe('free again');
  });

  it('with no wait, takes over a lock whose owner is dead, in either file format', async () => {
    const file = join(dir, 'x.lock');
    writeFileSync(file, JSON.stringify({ pid: 999999999, what: 'applying', since: '2026-11-29T10:00:00.000Z' }));
    await expect(withFileLock(file, { timeoutMs: 0, what: 'x' }, async () => 'mine')).resolves.toBe('mine');
    writeFileSync(file, '999999999\n');
    await expect(withFileLock(file, { timeoutMs: 0, what: 'x' }, async () => 'mine again')).resolves.toBe('mine again');
    writeFileSync(file, ''); // a lock file cut short by a crash names no one
    await expect(withFileLock(file, { timeoutMs: 0, what: 'x' }, async () => 'and again')).resolves.toBe('and again');
  });

  it('lets only one of two takers have a stale lock', async () => {
    const file = join(dir, 'x.lock');
    for (let round = 0; round < 5; round++) {
      writeFileSync(file, JSON.stringify({ pid: 999999999, what: 'applying', since: 'then' }));
      const hold = () => withFileLock(file, { timeoutMs: 0, what: 'x' }, () => new Promise((r) => setTimeout(r, 20)));
      const settled = await Promise.allSettled([hold(), hold()]);
      expect(settled.map((x) => x.status).sort()).toEqual(['fulfilled', 'rejected']);
    }
  });

  it('removes a stale lock only while it is still the stale one', async () => {
    const file = join(dir, 'x.lock');
    const stale = JSON.stringify({ pid: 999999999, what: 'applying', since: 'then' });
    writeFileSync(file, stale);
    // Another taker removed the same stale file and made its own before we got to it.
    rmSync(file);
    writeFileSync(file, JSON.stringify({ pid: 1, what: 'the new holder', since: 'now' }));
    await removeStale(file, stale);
    expect(readFileSync(file, 'utf8')).toContain('the new holder');
    writeFileSync(file, stale);
    await removeStale(file, stale);
    expect(() => readFileSync(file)).toThrow();
  });

  it('leaves a lock alone that is no longer the one it made', async () => {
    const file = join(dir, 'x.lock');
    await withFileLock(file, { timeoutMs: 0, what: 'x' }, async () => {
      rmSync(file);
      writeFileSync(file, JSON.stringify({ pid: 1, what: 'someone else', since: 'now' }));
    });
    expect(readFileSync(file, 'utf8')).toContain('someone else');
  });
});

describe('parseLockOwner', () => {
  it('reads the current format and the bare pid older versions wrote; names no one in anything else', () => {
    expect(parseLockOwner('{"pid":42,"what":"applying","since":"2026-11-29T10:00:00.000Z"}\n')).toEqual({ pid: 42, what: 'applying', since: '2026-11-29T10:00:00.000Z' });
    expect(parseLockOwner('42\n')).toEqual({ pid: 42, what: 'unknown work', since: 'an unknown time' });
    for (const bad of ['', '{"pid":"42"}', 'null', '{"pid":1.5}', '{"pi']) expect(parseLockOwner(bad)).toBeNull();
    expect(busyMessage({ pid: 42, what: 'applying', since: 'then' })).toBe('busy: applying since then in process 42');
  });
});
