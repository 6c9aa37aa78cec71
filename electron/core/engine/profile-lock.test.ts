import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanShape } from '../../../shared/domain';
import { parseLockOwner } from '../file-lock';
import { withLabLock } from '../hypervisor/qemu/instance/lab-lock';
import { ProfileStore } from '../profiles';
import { sleep } from '../sleep';
import { Journal } from './journal';

// Two real `hardenlab` processes change one profile at once: the first runs,
// the second is refused at once and says who is busy. No VM is needed: the
// profile points at a QEMU lab VM that does not exist, and the test holds
// that VM's lab lock, so the first process's revert waits inside the driver,
// holding the profile, until the test lets it go on (to find no VM).
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const CLI = join(root, 'electron', 'cli', 'hardenlab.mjs');

interface Cli {
  pid: number;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  running(): boolean;
}

function cli(home: string, args: string[]): Cli {
  const child = spawn(process.execPath, [CLI, ...args, '--json'], { cwd: root, env: { ...process.env, HARDENLAB_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let done = false;
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
    child.once('close', (code) => {
      done = true;
      r({ code, stdout, stderr });
    }),
  );
  return { pid: child.pid!, exited, running: () => !done };
}

function errorOf(out: { stdout: string }): { code: string; message: string } {
  return (JSON.parse(out.stdout) as { error: { code: string; message: string } }).error;
}

const plan: PlanShape = {
  id: 'p1',
  step: 'modules',
  profile: 'lab',
  createdAt: '2026-11-29T00:00:00Z',
  summary: 'Block modules',
  files: [],
  commands: [],
  packages: { install: [], remove: [] },
  rebootRequired: false,
  warnings: [],
  nothingToDo: false,
};

describe('one change at a time per profile, across processes', () => {
  let home: string;
  let journal: Journal;
  let lockFile: string;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'hl-busy-'));
    await new ProfileStore(home).save({ name: 'lab', host: '127.0.0.1', port: 9, user: 'lab', auth: { kind: 'agent' }, hypervisor: { kind: 'qemu', vm: 'lab' } });
    journal = new Journal(home);
    // What a crash mid-apply leaves: an open experiment with its snapshot to go back to.
    await journal.append('lab', { type: 'intent', experimentId: 'e1', at: '2026-11-29T00:00:00Z', profile: 'lab', step: 'modules', plan, snapshot: { id: 's1', name: 'hl-base' } });
    lockFile = join(journal.dir, 'lab.lock');
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('runs the first and refuses the second at once with who is busy; the journal stays whole', async () => {
    let letGo!: () => void;
    const released = new Promise<void>((r) => (letGo = r));
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    const vmHeld = withLabLock(home, 'lab', 'the test', async () => {
      held();
      await released;
    });
    await holding;
    try {
      const first = cli(home, ['revert', '--profile', 'lab', '--experiment', 'e1']);
      // The first holds the profile once its lock file names it.
      const deadline = Date.now() + 15_000;
      while (!(existsSync(lockFile) && parseLockOwner(readFileSync(lockFile, 'utf8'))?.pid === first.pid)) {
        if (!first.running()) throw new Error(`the first revert ended early: ${(await first.exited).stderr}`);
        if (Date.now() > deadline) throw new Error('the first revert never took the profile');
        await sleep(50);
      }

      const busy = new RegExp(`^busy: reverting experiment e1 on lab since \\d{4}-\\d\\d-\\d\\dT\\S+ in process ${first.pid}$`);
      for (const args of [
        ['revert', '--profile', 'lab'],
        ['snapshot', 'restore', 'hl-base', '--profile', 'lab'],
      ]) {
        const second = await cli(home, args).exited;
        expect(second.code, second.stderr).not.toBe(0);
        expect(errorOf(second)).toMatchObject({ code: 'VM_WRONG_STATE', message: expect.stringMatching(busy) });
        // Refused, not queued: the first is still at work.
        expect(first.running()).toBe(true);
      }

      letGo();
      const done = await first.exited;
      // It ran through to the driver, which finds no such VM here.
      expect(done.code).not.toBe(0);
      expect(errorOf(done).code).toBe('VM_NOT_FOUND');
    } finally {
      letGo();
      await vmHeld;
    }

    const after = await journal.read('lab');
    expect(after.damagedLines).toBe(0);
    expect(after.experiments.map((e) => [e.id, e.status])).toEqual([['e1', 'open']]);
    expect(readFileSync(journal.fileFor('lab'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('takes over the profile from a process that died holding it', async () => {
    mkdirSync(journal.dir, { recursive: true });
    writeFileSync(lockFile, JSON.stringify({ pid: 999999999, what: 'applying "Kernel modules" on lab', since: '2026-11-29T10:00:00.000Z' }));
    const out = await cli(home, ['revert', '--profile', 'lab', '--experiment', 'nope']).exited;
    expect(errorOf(out)).toMatchObject({ code: 'NOT_FOUND', message: 'There is no experiment "nope" for lab.' });
    expect(existsSync(lockFile)).toBe(false);
  });
});
