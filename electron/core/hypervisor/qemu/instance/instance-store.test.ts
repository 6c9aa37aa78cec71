import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHardenLabError } from '../../../errors';
import { instancePaths, listInstanceNames, readInstance, requireInstance, updateInstance, writeInstance, type InstanceRecord } from './instance-store';

describe('instance store', () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'hl-home-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const rec = (name: string): InstanceRecord => ({
    version: 1,
    name,
    imageKey: 'debian12-abc',
    createdAt: '2026-11-29T06:00:00.000Z',
    disk: instancePaths(name, home).disk,
    memoryMiB: 1024,
    cpus: 2,
    hostKey: { type: 'ssh-ed25519', line: 'ssh-ed25519 AAAA', fingerprint: 'SHA256:x' },
    hostKeys: [],
    keyPath: join(home, 'keys', 'id_ed25519'),
    user: 'lab',
    consoleLog: instancePaths(name, home).consoleLog,
  });

  it('refuses names that could escape the labs directory', () => {
    for (const bad of ['../etc', 'a/b', '', '.hidden', 'x'.repeat(41)]) {
      const err = (() => {
        try {
          instancePaths(bad, home);
        } catch (e) {
          return e;
        }
      })();
      expect(isHardenLabError(err) && err.code).toBe('BAD_INPUT');
    }
  });

  it('writes records privately and atomically, and updates them (undefined removes a field)', async () => {
    await writeInstance({ ...rec('lab'), pid: 42, port: 2222 }, home);
    const p = instancePaths('lab', home);
    expect(statSync(p.record).mode & 0o777).toBe(0o600);
    expect(readdirSync(p.dir)).toEqual(['instance.json']);
    const next = await updateInstance('lab', { pid: undefined, accel: 'tcg' }, home);
    expect(next.pid).toBeUndefined();
    expect(next.port).toBe(2222);
    expect(JSON.parse(readFileSync(p.record, 'utf8'))).not.toHaveProperty('pid');
    expect(await readInstance('lab', home)).toEqual(next);
  });

  it('reports a missing lab as VM_NOT_FOUND with the command that makes it', async () => {
    expect(await readInstance('nope', home)).toBeNull();
    const err = await requireInstance('nope', home).catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.code).toBe('VM_NOT_FOUND');
    expect(isHardenLabError(err) && err.hint).toContain('hardenlab lab up --name nope');
  });

  it('lists only directories that hold a record', async () => {
    await writeInstance(rec('b'), home);
    await writeInstance(rec('a'), home);
    mkdirSync(join(home, 'labs', 'half-made'));
    mkdirSync(join(home, 'labs', '.creating-x-1'));
    expect(await listInstanceNames(home)).toEqual(['a', 'b']);
  });

  it('refuses a damaged record with a way out', async () => {
    await writeInstance(rec('lab'), home);
    writeFileSync(instancePaths('lab', home).record, '{"version": 1');
    const err = await readInstance('lab', home).catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.hint).toContain('hardenlab lab destroy --name lab');
  });
});
