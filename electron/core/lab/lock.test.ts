import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHardenLabError } from '../errors';
import { pidAlive, withFileLock } from './lock';

describe('withFileLock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hl-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs callers of one process one after the other and removes the file afterwards', async () => {
    const file = join(dir, 'x.lock');
    const trace: string[] = [];
    const job = (n: string) =>
      withFileLock(file, { timeoutMs: 5000, what: 'x' }, async () => {
        trace.push(`${n}:in:${readFileSync(file, 'utf8').trim()}`);
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
});
