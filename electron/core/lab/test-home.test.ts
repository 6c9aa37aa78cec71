import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseTestHome, claimTestHome, releaseTestHome, RUN_HOME_PREFIX, sweepAbandonedRunHomes, uniqueRunSuffix } from './test-home';

/** A process that is certainly gone: spawned, waited for. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('integration test homes', () => {
  it('gives two runs without HARDENLAB_TEST_HOME two different homes', () => {
    const a = chooseTestHome(undefined, '/tmp', uniqueRunSuffix());
    const b = chooseTestHome(undefined, '/tmp', uniqueRunSuffix());
    expect(a.home).not.toBe(b.home);
    expect(a.owned && b.owned).toBe(true);
    expect(a.home.startsWith(join('/tmp', RUN_HOME_PREFIX))).toBe(true);
  });

  it('uses an explicit home as given and does not own it', () => {
    expect(chooseTestHome('/srv/hl', '/tmp', 'x')).toEqual({ home: '/srv/hl', owned: false });
    expect(chooseTestHome('  ', '/tmp', 'x').owned).toBe(true);
  });

  it('refuses a home another live run has claimed, naming it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hl-claim-'));
    // Another live process as the owner: the test runner's parent.
    writeFileSync(join(home, 'run-owner.json'), JSON.stringify({ pid: process.ppid, what: 'a test run', since: '2026-12-03T08:00:00.000Z' }));
    await expect(claimTestHome(home)).rejects.toThrow(`Another test run (process ${process.ppid}, since 2026-12-03T08:00:00.000Z) is using the lab test home ${home}.`);
  });

  it('takes over a home whose run is gone, and releases it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hl-claim-'));
    writeFileSync(join(home, 'run-owner.json'), JSON.stringify({ pid: await deadPid(), what: 'a test run', since: 'x' }));
    await claimTestHome(home);
    await claimTestHome(home); // the same process may claim again (setup retried)
    await releaseTestHome(home);
    expect(existsSync(join(home, 'run-owner.json'))).toBe(false);
  });

  it('sweeps run homes of runs that are gone, destroying their VMs first, and leaves live ones', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hl-sweep-'));
    const gone = join(tmp, `${RUN_HOME_PREFIX}${await deadPid()}-aaaa`);
    const live = join(tmp, `${RUN_HOME_PREFIX}${process.ppid}-bbbb`);
    const mine = join(tmp, `${RUN_HOME_PREFIX}${process.pid}-cccc`);
    const other = join(tmp, 'hardenlab-something-else');
    for (const d of [gone, live, mine, other]) mkdirSync(d);
    const destroyed: string[] = [];
    const swept = await sweepAbandonedRunHomes(tmp, async (h) => void destroyed.push(h));
    expect(swept).toEqual([gone]);
    expect(destroyed).toEqual([gone]);
    expect(existsSync(gone)).toBe(false);
    for (const d of [live, mine, other]) expect(existsSync(d)).toBe(true);
  });
});
