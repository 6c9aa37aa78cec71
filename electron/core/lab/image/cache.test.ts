import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeBuildDirs, buildDirName, buildDirOwner, cleanStaleBuilds, findImage, imagesDir, type ImageInfo } from './cache';

describe('image cache', () => {
  let cache: string;
  beforeEach(() => (cache = mkdtempSync(join(tmpdir(), 'hl-cache-'))));
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  it('names build directories after their owner', () => {
    const n = buildDirName('debian12-0123456789ab', 4242, 'a1b2c3d4');
    expect(n).toBe('.build-debian12-0123456789ab-4242-a1b2c3d4');
    expect(buildDirOwner(n)).toBe(4242);
    expect(buildDirOwner('debian12-0123456789ab')).toBeNull();
  });

  it('removes builds left by dead processes, keeps live and active ones and finished images', async () => {
    const root = imagesDir(cache);
    const dead = buildDirName('k', 999999999, 'dead');
    const live = buildDirName('k', 1, 'live');
    const mine = buildDirName('k', process.pid, 'mine');
    for (const d of [dead, live, mine, 'debian12-done']) mkdirSync(join(root, d, 'rootfs'), { recursive: true });
    activeBuildDirs.add(mine);
    try {
      expect(await cleanStaleBuilds(cache)).toEqual([dead]);
      expect(readdirSync(root).sort()).toEqual([live, mine, 'debian12-done'].sort());
    } finally {
      activeBuildDirs.delete(mine);
    }
    // Not active any more and owned by this (live) process: a leftover of an earlier failure in this process.
    expect(await cleanStaleBuilds(cache)).toEqual([mine]);
  });

  it('finds only complete images', async () => {
    const dir = join(imagesDir(cache), 'debian12-abc');
    mkdirSync(dir, { recursive: true });
    const info: ImageInfo = {
      version: 1,
      key: 'debian12-abc',
      kernel: '6.1.0-50-cloud-amd64',
      builtAt: '2026-11-29T06:00:00.000Z',
      buildSeconds: 200,
      diskFile: 'disk.qcow2',
      diskBytes: 1,
      virtualSizeBytes: 2,
      suite: 'bookworm',
      packages: [],
    };
    writeFileSync(join(dir, 'image.json'), JSON.stringify(info));
    expect(await findImage('debian12-abc', cache)).toBeNull(); // no disk
    writeFileSync(join(dir, 'disk.qcow2'), 'QFI\xfb');
    expect(await findImage('debian12-abc', cache)).toMatchObject({ dir, disk: join(dir, 'disk.qcow2'), info: { kernel: '6.1.0-50-cloud-amd64' } });
    expect(await findImage('debian12-other', cache)).toBeNull();
  });
});
