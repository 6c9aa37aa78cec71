import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { labExec, labTestContext } from '../lab/testing';
import { run } from '../proc';
import { sleep } from '../sleep';
import { OUR_FILE_NAME } from '../steps/modules/catalog';
import { useCleanLab } from '../testing/lab-core';

// The app dies mid-apply (power cut, kill -9): the journal, fsynced before
// the change began, still says an experiment is open; the next start reports
// it, and reverting it brings the VM back to its pre-change snapshot.
const core = useCleanLab('crash');
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const CLI = join(root, 'electron', 'cli', 'hardenlab.mjs');
const MODPROBE_FILE = `/etc/modprobe.d/${OUR_FILE_NAME}`;

/** The hardenlab CLI as a separate process on the test lab's home: "the app", started anew each time. */
function cli(args: string[], timeoutMs: number) {
  return run(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, HARDENLAB_HOME: labTestContext().home }, timeoutMs });
}

describe('an app killed mid-apply', () => {
  it('leaves an open experiment that the next start reports and can revert', async () => {
    const { home } = labTestContext();
    const s = core().services;
    const before = new Set((await s.journal.read('lab')).experiments.map((e) => e.id));
    expect((await labExec(['test', '-e', MODPROBE_FILE])).code).toBe(1);

    // The modules step regenerates the initramfs (minutes under TCG): a wide window to kill in.
    const child = spawn(process.execPath, [CLI, 'apply', 'modules', '--profile', 'lab', '--yes', '--json'], {
      cwd: root,
      env: { ...process.env, HARDENLAB_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

    // Kill it once its file edit is on the VM: the intent is journaled, the change half made.
    const deadline = Date.now() + 10 * 60_000;
    let openId: string | undefined;
    for (;;) {
      const open = (await s.journal.read('lab')).experiments.filter((e) => e.status === 'open' && !before.has(e.id));
      if (open.length === 1 && (await labExec(['test', '-e', MODPROBE_FILE])).code === 0) {
        openId = open[0]!.id;
        break;
      }
      if (child.exitCode !== null) throw new Error(`the apply ended before it could be killed (exit ${child.exitCode}):\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`no open experiment with its file on the VM within 10 min:\n${stderr}`);
      await sleep(250);
    }
    child.kill('SIGKILL');
    expect(await exited).toBeNull();

    // The next start (a new process) reports it.
    const listed = await cli(['journal', '--profile', 'lab', '--json'], 120_000);
    expect(listed.code, listed.stderr).toBe(0);
    const journal = JSON.parse(listed.stdout) as { open: string[]; experiments: Array<{ id: string; step: string; status: string; snapshot?: { name: string } }> };
    expect(journal.open).toContain(openId);
    const exp = journal.experiments.find((e) => e.id === openId)!;
    expect(exp).toMatchObject({ step: 'modules', status: 'open' });
    expect(exp.snapshot?.name).toMatch(/modules/);

    // Revert it to its pre-change snapshot: the half-made change is gone and the journal closes it.
    const reverted = await cli(['revert', '--profile', 'lab', '--experiment', openId!, '--json'], 10 * 60_000);
    expect(reverted.code, reverted.stderr).toBe(0);
    s.connections.forget('lab');
    expect((await labExec(['test', '-e', MODPROBE_FILE])).code).toBe(1);
    const after = (await s.journal.read('lab')).experiments.find((e) => e.id === openId)!;
    expect(after.status).toBe('reverted');
    expect(await s.journal.openExperiments('lab')).toEqual([]);
  });
});
