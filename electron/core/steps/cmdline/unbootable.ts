import { defaultApply } from '../../engine/default-apply';
import type { StepDefinition } from '../../engine/step';
import { HardenLabError } from '../../errors';
import { loaderOf, type CmdlineData, type CmdlineFacts, type CmdlineOptions } from './plan';
import { cmdlineStep } from './step';

/**
 * A command line that does not boot, for the test that proves the way back:
 * the cmdline step's own boot-loader change, with `root=` pointed at a disk
 * the VM does not have (the kernel takes the last root=), then a reboot with
 * a short deadline. The initramfs waits for a root that never comes; the
 * engine must time out, restore the snapshot and prove the VM is back.
 * Never registered as a step of the app.
 */
const NO_SUCH_ROOT = { key: 'root', value: '/dev/vdz9' };

export function makeUnbootableCmdlineStep(opts: { rebootDeadlineMs: number }): StepDefinition<CmdlineFacts, CmdlineOptions, CmdlineData> {
  return {
    ...cmdlineStep,
    id: 'cmdline-unbootable',
    title: 'A kernel command line that does not boot (test change)',
    rebootsItself: true,
    audit: () => [],
    plan(facts) {
      if (!facts.loader) throw new HardenLabError('BAD_INPUT', 'No boot loader to break.');
      const change = loaderOf(facts.loader).plan(facts.files, [NO_SUCH_ROOT]);
      return {
        summary: `Add root=${NO_SUCH_ROOT.value} to the kernel command line and reboot (a deliberately broken change).`,
        files: change.files.map((f) => ({ path: f.path, before: f.before, after: f.after })),
        commands: change.commands.map((argv) => ({ argv, elevated: true, why: 'Regenerate the boot configuration.' })),
        rebootRequired: true,
        nothingToDo: false,
        warnings: [{ kind: 'info', message: `The VM will not boot again; Harden Lab must restore the snapshot after ${Math.round(opts.rebootDeadlineMs / 1000)} s.` }],
        data: { loader: facts.loader, expected: [], decisions: [] },
      };
    },
    async apply(draft, ctx) {
      await defaultApply(draft, ctx);
      ctx.log(`The next boot looks for its root on ${NO_SUCH_ROOT.value}; rebooting with a ${Math.round(opts.rebootDeadlineMs / 1000)} s deadline.`);
      await ctx.reboot({ deadlineMs: opts.rebootDeadlineMs });
    },
  };
}
