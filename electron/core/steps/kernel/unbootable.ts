import type { StepDefinition } from '../../engine/step';
import { mustExec } from '../../engine/target';
import { HardenLabError } from '../../errors';
import type { KernelOptions, KernelPlanData } from './plan';
import type { KernelFacts } from './probe';
import { applyKernel, kernelStep } from './step';

/**
 * A deliberately broken kernel change, for the tests that prove the way back
 * from a VM that does not boot: the kernel step's own apply (install, boot
 * loader check), then the boot loader is pointed at a file that is not a
 * kernel (both /vmlinuz and the /vmlinuz.old fallback, or every LINUX line of
 * an extlinux.conf), then a reboot with a short deadline. The VM stops at
 * the boot loader; the engine must time out, restore the snapshot, reconnect
 * and prove the VM is back. Never registered as a step of the app.
 */
const GARBAGE = '/boot/hardenlab-not-a-kernel';

// Fixed text; the only names in it are constants above.
const SABOTAGE_SCRIPT = `set -e
head -c 65536 /dev/urandom > ${GARBAGE}
if [ -L /vmlinuz ]; then
  ln -sfn ${GARBAGE.slice(1)} /vmlinuz
  ln -sfn ${GARBAGE.slice(1)} /vmlinuz.old
elif [ -f /boot/extlinux.conf ]; then
  sed -i 's#^\\([[:space:]]*\\)\\(LINUX\\|KERNEL\\)[[:space:]].*#\\1LINUX ${GARBAGE.slice('/boot/'.length)}#' /boot/extlinux.conf
else
  echo "no /vmlinuz link and no /boot/extlinux.conf to break" >&2
  exit 3
fi
sync`;

export function makeUnbootableKernelStep(opts: { rebootDeadlineMs: number }): StepDefinition<KernelFacts, KernelOptions, KernelPlanData> {
  return {
    ...kernelStep,
    id: 'kernel-unbootable',
    title: 'Install a kernel that does not boot (test change)',
    rebootsItself: true,
    // The real step audits the kernel; a second copy of its checks would only be noise.
    audit: () => [],
    async plan(facts, options, ctx) {
      const draft = await kernelStep.plan(facts, options, ctx);
      const data = draft.data;
      if (!data) throw new HardenLabError('INTERNAL', 'The kernel plan carries no data.');
      return {
        ...draft,
        summary: `${draft.summary} Then point the boot loader at a file that is not a kernel and reboot (a deliberately broken change).`,
        nothingToDo: false,
        rebootRequired: true,
        warnings: [...(draft.warnings ?? []), { kind: 'info', message: `The VM will not boot again; Harden Lab must restore the snapshot after ${Math.round(opts.rebootDeadlineMs / 1000)} s.` }],
        data: { ...data, expectedRelease: data.expectedRelease ?? facts.newestInstalled },
      };
    },
    async apply(draft, ctx) {
      await applyKernel(draft, ctx);
      await mustExec(ctx.target, ['sh', '-c', SABOTAGE_SCRIPT], { elevate: true }, 'Breaking the boot loader (test change)');
      ctx.log(`Pointed the boot loader at ${GARBAGE}; rebooting with a ${Math.round(opts.rebootDeadlineMs / 1000)} s deadline.`);
      await ctx.reboot({ deadlineMs: opts.rebootDeadlineMs });
    },
  };
}
