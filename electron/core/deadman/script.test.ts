import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep } from '../sleep';
import type { Guard } from './guard';
import { armArgv, disarmArgv, fireArgv, layoutOf, parseRestored, restoreFilesOf, restoreScript, sleeperScript } from './script';

// The scripts run for real here (sh, as the guest runs them); only the root
// folder differs. The systemd variant needs PID 1 to be systemd: the lab VM
// runs it in electron/core/deadman/deadman.int.test.ts.
function install(guard: Pick<Guard, 'files' | 'restart'>, deadlineS = 60) {
  const root = mkdtempSync(join(tmpdir(), 'hl-deadman-'));
  const l = layoutOf('20261204T190000-ssh-ab12', root);
  mkdirSync(join(l.dir, 'files'), { recursive: true });
  guard.files.forEach((f, i) => f.before !== null && writeFileSync(l.backup(i), f.before));
  writeFileSync(l.script, restoreScript(l, restoreFilesOf(guard), guard.restart, { deadlineS, armedAt: '2026-12-04T19:00:00Z' }));
  writeFileSync(l.sleeper, sleeperScript(l, deadlineS));
  return { root, l };
}
const sh = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });

describe('the dead-man switch scripts', () => {
  it('puts every file back (rewritten, mode set, created ones removed), runs the restarts, records who ran it, and runs once', () => {
    const work = mkdtempSync(join(tmpdir(), 'hl-deadman-files-'));
    const edited = join(work, 'sshd config');
    const created = join(work, "00-hardenlab's.conf");
    const moded = join(work, 'moded');
    writeFileSync(edited, 'AllowUsers nobody\n');
    writeFileSync(created, 'new\n');
    writeFileSync(moded, 'changed\n', { mode: 0o600 });
    const marker = join(work, 'restarted');
    const { l } = install({
      files: [
        { path: edited, before: 'PermitRootLogin yes\n' },
        { path: created, before: null },
        { path: moded, before: 'old; $(reboot)\n', mode: '0640' },
      ],
      restart: [['sh', '-c', 'echo "$0" >> "$1"', 'ssh $(x)', marker]],
    });
    expect(sh(['sh', l.script, 'engine']).status).toBe(0);
    expect(readFileSync(edited, 'utf8')).toBe('PermitRootLogin yes\n');
    expect(existsSync(created)).toBe(false);
    expect(readFileSync(moded, 'utf8')).toBe('old; $(reboot)\n');
    expect(statSync(moded).mode & 0o777).toBe(0o640);
    expect(readFileSync(marker, 'utf8')).toBe('ssh $(x)\n');
    expect(parseRestored(readFileSync(join(l.dir, 'restored'), 'utf8'))).toMatchObject({ by: 'engine', ok: true });
    // A second run (the timer after the engine fired it) changes nothing.
    writeFileSync(edited, 'changed again\n');
    expect(sh(['sh', l.script, 'timer']).status).toBe(0);
    expect(readFileSync(edited, 'utf8')).toBe('changed again\n');
    expect(readFileSync(marker, 'utf8')).toBe('ssh $(x)\n');
  });

  it('records a part that failed', () => {
    const { l } = install({ files: [{ path: '/nonexistent-dir/x', before: 'a\n' }], restart: [['false']] });
    sh(['sh', l.script]);
    expect(parseRestored(readFileSync(join(l.dir, 'restored'), 'utf8'))).toMatchObject({ by: 'timer', ok: false });
  });

  it('the sleeper fires by itself at its deadline, detached from the process that armed it', async () => {
    const work = mkdtempSync(join(tmpdir(), 'hl-deadman-sleeper-'));
    const file = join(work, 'f');
    writeFileSync(file, 'bad\n');
    const { l } = install({ files: [{ path: file, before: 'good\n' }], restart: [] }, 1);
    expect(sh(armArgv(l, 'sleeper', 1)).status).toBe(0);
    expect(readFileSync(join(l.dir, 'pid'), 'utf8')).toMatch(/^\d+\n$/);
    for (let i = 0; i < 50 && !existsSync(join(l.dir, 'restored')); i++) await sleep(100);
    expect(readFileSync(file, 'utf8')).toBe('good\n');
    expect(parseRestored(readFileSync(join(l.dir, 'restored'), 'utf8'))?.by).toBe('timer');
  });

  it('disarming takes the lock first: a disarmed switch never fires; one that already ran makes the disarm say so', async () => {
    const work = mkdtempSync(join(tmpdir(), 'hl-deadman-disarm-'));
    const file = join(work, 'f');
    writeFileSync(file, 'proved\n');
    const a = install({ files: [{ path: file, before: 'old\n' }], restart: [] }, 1);
    expect(sh(armArgv(a.l, 'sleeper', 1)).status).toBe(0);
    expect(sh(disarmArgv(a.l, 'sleeper')).status).toBe(0);
    expect(existsSync(a.l.dir)).toBe(false);
    await sleep(1800);
    expect(readFileSync(file, 'utf8')).toBe('proved\n');

    const b = install({ files: [{ path: file, before: 'old\n' }], restart: [] });
    execFileSync(fireArgv(b.l, 'sleeper')[0]!, fireArgv(b.l, 'sleeper').slice(1));
    for (let i = 0; i < 50 && !existsSync(join(b.l.dir, 'restored')); i++) await sleep(100);
    expect(sh(disarmArgv(b.l, 'sleeper')).status).toBe(3);
    expect(readFileSync(file, 'utf8')).toBe('old\n');
  });

  it('arms systemd with a transient timer of PID 1, and refuses an id that could leave its folder', () => {
    const l = layoutOf('20261204T190000-ssh-ab12');
    expect(l.dir).toBe('/var/lib/hardenlab/deadman/20261204T190000-ssh-ab12');
    expect(armArgv(l, 'systemd', 90)).toEqual([
      'systemd-run',
      '--quiet',
      '--unit=hardenlab-deadman-20261204T190000-ssh-ab12',
      "--description=Harden Lab dead-man's switch (experiment 20261204T190000-ssh-ab12)",
      '--on-active=90s',
      '--timer-property=AccuracySec=1s',
      '/bin/sh',
      `${l.dir}/restore.sh`,
      'timer',
    ]);
    for (const bad of ['../x', 'a/b', '', 'a b', '-rf']) expect(() => layoutOf(bad)).toThrow(/not a switch id/);
    expect(parseRestored('garbage')).toBeNull();
  });
});
