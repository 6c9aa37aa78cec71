import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { labExecOk, labTestContext } from '../../lab/testing';
import { run } from '../../proc';
import { useCleanLab } from '../../testing/lab-core';
import { cmdlineStep } from './step';
import { makeUnbootableCmdlineStep } from './unbootable';

// The cmdline step on the Debian lab (extlinux), through the CLI as an
// operator runs it: the plan shows the boot-loader diff, apply exits 0 only
// after the reboot proved /proc/cmdline and the effects, a new plan has
// nothing to do. Then a command line that does not boot, reverted by the
// engine's deadline with the journal saying why.
const REBOOT_DEADLINE_MS = 75_000;
const core = useCleanLab('cmdline-step', { steps: [cmdlineStep, makeUnbootableCmdlineStep({ rebootDeadlineMs: REBOOT_DEADLINE_MS })] });
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const CLI = join(root, 'electron', 'cli', 'hardenlab.mjs');
const cli = (args: string[]) => run(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, HARDENLAB_HOME: labTestContext().home }, timeoutMs: 20 * 60_000 });

const OPTIONS = ['init_on_free=1', 'slab_nomerge', 'page_alloc.shuffle=1', 'debugfs=off', 'pti=on', 'hardened_usercopy=1'];

describe('cmdline step on the real lab VM', () => {
  it('plans the extlinux diff, reboots into the new command line and proves it; a new plan has nothing to do', async () => {
    core();
    const plan = await cli(['plan', 'cmdline', '--profile', 'lab']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('/boot/extlinux/extlinux.conf');
    expect(plan.stdout).toMatch(/\+\s+APPEND .*init_on_free=1 slab_nomerge page_alloc\.shuffle=1 debugfs=off pti=on hardened_usercopy=1/);
    const bootBefore = (await labExecOk(['cat', '/proc/sys/kernel/random/boot_id'])).trim();
    const apply = await cli(['apply', 'cmdline', '--profile', 'lab', '--yes']);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect((await labExecOk(['cat', '/proc/sys/kernel/random/boot_id'])).trim()).not.toBe(bootBefore);
    const running = await labExecOk(['cat', '/proc/cmdline']);
    for (const o of OPTIONS) expect(running.split(/\s+/)).toContain(o);
    expect((await labExecOk(['sh', '-c', 'grep -cw debugfs /proc/filesystems; true'])).trim()).toBe('0');
    const again = await core().services.engine.plan('lab', 'cmdline', {});
    expect(again.nothingToDo).toBe(true);
    expect((await core().services.engine.audit('lab')).checks.filter((c) => c.id.startsWith('cmdline.') && c.status === 'fail')).toEqual([]);
  }, 25 * 60_000);

  it('reverts a command line that does not boot: the reboot times out, the snapshot comes back, the journal says why', async () => {
    const engine = core().services.engine;
    const before = await labExecOk(['cat', '/proc/cmdline']);
    const plan = await engine.plan('lab', 'cmdline-unbootable', {});
    const r = await engine.apply('lab', plan.id);
    expect(r.outcome).toBe('reverted');
    expect(r.error?.code).toBe('TIMEOUT');
    expect(r.checks.find((c) => /restored VM accepts a fresh login/.test(c.name))?.ok).toBe(true);
    expect(await labExecOk(['cat', '/proc/cmdline'])).toBe(before);
    expect(await labExecOk(['grep', '-c', 'vdz9', '/boot/extlinux/extlinux.conf']).catch(() => '0\n')).toBe('0\n');
    const exp = (await core().services.journal.read('lab')).experiments.find((e) => e.id === r.experimentId)!;
    expect(exp.result?.error?.code).toBe('TIMEOUT');
    expect(exp.log.map((l) => l.message).join('\n')).toMatch(/looks for its root on \/dev\/vdz9/);
  }, 20 * 60_000);
});
