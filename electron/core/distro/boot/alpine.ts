import { HardenLabError } from '../../errors';
import { formatCmdline, parseCmdline } from './cmdline';
import { extlinuxNextBoot } from './extlinux';
import type { BootLoader } from './types';

/**
 * Alpine: `update-extlinux` writes /boot/extlinux.conf from
 * /etc/update-extlinux.conf, whose `default_kernel_opts` holds the options
 * (sourced as shell, so quoted or a bare word). The next boot is read from
 * the generated file; the change is to the source, then update-extlinux.
 */
export const ALPINE_SOURCE = '/etc/update-extlinux.conf';
export const ALPINE_EXTLINUX = '/boot/extlinux.conf';

const LINE = /^default_kernel_opts=(?:"([^"]*)"|'([^']*)'|([^\s"'#]*))[ \t]*$/m;

export function kernelOpts(text: string): { value: string; line: string } | null {
  const m = LINE.exec(text);
  return m ? { value: m[1] ?? m[2] ?? m[3] ?? '', line: m[0] } : null;
}

export const alpineLoader: BootLoader = {
  kind: 'alpine-extlinux',
  reads: [ALPINE_SOURCE, ALPINE_EXTLINUX],
  nextBoot: (files) => extlinuxNextBoot(files[ALPINE_EXTLINUX] ?? null, ALPINE_EXTLINUX),
  plan(files, add) {
    const before = files[ALPINE_SOURCE] ?? null;
    if (before === null) throw new HardenLabError('BAD_INPUT', `${ALPINE_SOURCE} is missing: this Alpine does not boot with update-extlinux.`);
    const cur = kernelOpts(before);
    if (cur && /[$`\\]/.test(cur.value)) throw new HardenLabError('BAD_INPUT', `${ALPINE_SOURCE}: default_kernel_opts uses shell expansion, which Harden Lab does not rewrite.`);
    const line = `default_kernel_opts="${formatCmdline([...parseCmdline(cur?.value ?? ''), ...add])}"`;
    const after = cur ? before.replace(cur.line, line) : `${before.replace(/\n?$/, '\n')}${line}\n`;
    return { files: [{ path: ALPINE_SOURCE, before, after }], commands: [['update-extlinux']] };
  },
};
