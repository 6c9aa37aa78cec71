import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFleet, type FleetRunRequest } from './rollout';

// What a rollout refuses before Ansible runs or anything is written. The
// rollout itself runs on two lab VMs in fleet.int.test.ts.
function request(o: Partial<FleetRunRequest>): FleetRunRequest {
  const home = mkdtempSync(join(tmpdir(), 'hl-rollout-home-'));
  return { mode: 'plan', profile: 'lab', changes: [], inventory: '/nonexistent/inventory.ini', batches: [1], deadlineS: 120, home, meta: { profile: 'lab', host: '127.0.0.1', port: 22, user: 'lab' }, ...o };
}

describe('a rollout refuses bad input and changes nothing', () => {
  it('a --limit that is no host pattern (an option, shell text)', async () => {
    for (const limit of ['-e@/etc/passwd', 'web;reboot', 'a b', '$(id)', '']) {
      const req = request({ limit });
      await expect(runFleet(req), limit).rejects.toMatchObject({ code: 'BAD_INPUT' });
      expect(existsSync(join(req.home, 'fleet'))).toBe(false);
    }
  });

  it('an inventory that is missing, a folder, or executable (Ansible would run it as a script)', async () => {
    await expect(runFleet(request({}))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(runFleet(request({ inventory: tmpdir() }))).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/not a file/) });
    const script = join(mkdtempSync(join(tmpdir(), 'hl-inv-')), 'inventory.sh');
    writeFileSync(script, '#!/bin/sh\necho "{}"\n', { mode: 0o755 });
    const req = request({ inventory: script });
    await expect(runFleet(req)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/executable/) });
    expect(existsSync(join(req.home, 'fleet'))).toBe(false);
  });

  it('an inventory without a [hardened] host', async () => {
    const inv = join(mkdtempSync(join(tmpdir(), 'hl-inv-')), 'inventory.ini');
    writeFileSync(inv, '[web]\nweb1 ansible_host=192.0.2.1\n');
    const req = request({ inventory: inv });
    await expect(runFleet(req)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/No host of .* is in the group \[hardened\]/) });
    expect(existsSync(join(req.home, 'fleet'))).toBe(true);
    expect(readdirSync(join(req.home, 'fleet'))).toEqual([]);
  }, 60_000);
});
