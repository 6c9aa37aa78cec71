import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep } from '../sleep';
import { armOnHostArgv, disarmOnHostArgv, fireOnHostArgv, removeOnHostArgv } from './on-host';
import { layoutOf, parseRestored } from './script';

// For real with sh on this machine, in a folder of its own. This machine's
// PID 1 is not systemd, so the sleeper path runs here; the lab VM runs the
// systemd one through the exported playbook (fleet/fleet.int.test.ts).
const sh = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 60 && !existsSync(path); i++) await sleep(100);
}

function setUp() {
  const work = mkdtempSync(join(tmpdir(), 'hl-onhost-'));
  const l = layoutOf('fleet-ssh-ab12', join(work, 'deadman'));
  const edited = join(work, 'sshd_config');
  const created = join(work, '00-hardenlab.conf');
  writeFileSync(edited, 'PermitRootLogin yes\n', { mode: 0o640 });
  const marker = join(work, 'restarted');
  return { work, l, edited, created, marker, restart: [['sh', '-c', 'echo "$0" >> "$1"', 'ssh', marker]] };
}

describe('the dead-man switch armed on a fleet host', () => {
  it('backs up what the host has, and at its deadline puts it back and removes what the change created', async () => {
    const t = setUp();
    const arm = sh(armOnHostArgv(t.l, { paths: [t.edited, t.created], restart: t.restart, deadlineS: 1, armedBy: 'a test' }));
    expect(arm.status, arm.stderr).toBe(0);
    expect(arm.stdout).toMatch(/^armed: sleeper \d+, 1 s/);
    expect(statSync(t.l.dir).mode & 0o777).toBe(0o700);
    // The change lands after the arm.
    writeFileSync(t.edited, 'AllowUsers nobody\n');
    writeFileSync(t.created, 'PasswordAuthentication no\n');
    await waitFor(join(t.l.dir, 'restored'));
    expect(readFileSync(t.edited, 'utf8')).toBe('PermitRootLogin yes\n');
    expect(statSync(t.edited).mode & 0o777).toBe(0o640);
    expect(existsSync(t.created)).toBe(false);
    expect(readFileSync(t.marker, 'utf8')).toBe('ssh\n');
    expect(parseRestored(readFileSync(join(t.l.dir, 'restored'), 'utf8'))).toMatchObject({ by: 'timer', ok: true });
    // Once fired, a new run may arm again (and the folder is fresh).
    expect(sh(removeOnHostArgv(t.l)).status).toBe(0);
    expect(existsSync(t.l.dir)).toBe(false);
  });

  it('refuses to arm over a switch that is still pending, and a disarmed one never fires', async () => {
    const t = setUp();
    expect(sh(armOnHostArgv(t.l, { paths: [t.edited], restart: [], deadlineS: 2, armedBy: 'a test' })).status).toBe(0);
    const again = sh(armOnHostArgv(t.l, { paths: [t.edited], restart: [], deadlineS: 2, armedBy: 'a test' }));
    expect(again.status).toBe(4);
    expect(again.stderr).toMatch(/still armed/);
    writeFileSync(t.edited, 'proved\n');
    expect(sh(disarmOnHostArgv(t.l)).status).toBe(0);
    await sleep(2500);
    expect(readFileSync(t.edited, 'utf8')).toBe('proved\n');
  });

  it('fired at once by the rescue, it restores; the disarm then says it is too late', async () => {
    const t = setUp();
    expect(sh(armOnHostArgv(t.l, { paths: [t.edited], restart: t.restart, deadlineS: 60, armedBy: 'a test' })).status).toBe(0);
    writeFileSync(t.edited, 'bad\n');
    expect(sh(fireOnHostArgv(t.l)).status).toBe(0);
    await waitFor(join(t.l.dir, 'restored'));
    expect(readFileSync(t.edited, 'utf8')).toBe('PermitRootLogin yes\n');
    expect(parseRestored(readFileSync(join(t.l.dir, 'restored'), 'utf8'))).toMatchObject({ by: 'engine', ok: true });
    expect(sh(disarmOnHostArgv(t.l)).status).toBe(3);
    expect(sh(removeOnHostArgv(t.l)).status).toBe(0);
  });
});
