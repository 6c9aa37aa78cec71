import { HardenLabError } from '../../errors';
import { formatCmdline, parseCmdline, type CmdlineOption } from './cmdline';
import type { BootLoader, NextBoot } from './types';

/**
 * GRUB on Debian and Ubuntu: `update-grub` sources /etc/default/grub, then
 * every /etc/default/grub.d/*.cfg in order, and writes /boot/grub/grub.cfg.
 * Harden Lab never edits /etc/default/grub: its options go in a drop-in read
 * last that appends to GRUB_CMDLINE_LINUX_DEFAULT, the variable of the normal
 * entries only, so the recovery entry keeps booting the command line it had.
 * The next boot is read from grub.cfg itself (the first entry, GRUB_DEFAULT=0).
 */
export const GRUB_DEFAULTS = '/etc/default/grub';
export const GRUB_DROP_IN = '/etc/default/grub.d/99-hardenlab.cfg';
export const GRUB_CFG = '/boot/grub/grub.cfg';

/** GRUB_DEFAULT as the defaults set it (the last assignment wins, as when sourced). */
export function grubDefault(...texts: ReadonlyArray<string | null>): string {
  let value = '0';
  for (const t of texts) for (const m of (t ?? '').matchAll(/^\s*GRUB_DEFAULT=(?:"([^"]*)"|'([^']*)'|(\S*))/gm)) value = m[1] ?? m[2] ?? m[3] ?? '';
  return value;
}

/** The options of the first top-level menu entry's `linux` line (after the kernel's path). */
export function firstEntryCmdline(cfg: string): string | null {
  const lines = cfg.split('\n');
  const start = lines.findIndex((l) => /^menuentry\s/.test(l));
  if (start < 0) return null;
  for (const l of lines.slice(start + 1)) {
    if (/^\}/.test(l)) return null;
    const m = /^\s+linux(?:efi|16)?\s+\S+\s*(.*?)\s*$/.exec(l);
    if (m) return m[1]!;
  }
  return null;
}

/** Our drop-in's options, from its one assignment. */
export function dropInOptions(text: string | null): CmdlineOption[] {
  const m = /^GRUB_CMDLINE_LINUX_DEFAULT="\$GRUB_CMDLINE_LINUX_DEFAULT ?([^"$`\\]*)"$/m.exec(text ?? '');
  return m ? parseCmdline(m[1]!) : [];
}

export function dropInText(options: readonly CmdlineOption[]): string {
  return [
    '# Managed by Harden Lab: kernel command-line hardening (the cmdline step).',
    '# update-grub reads this after /etc/default/grub and the other drop-ins. Only',
    '# the normal entries get these options: the recovery entry keeps its own.',
    `GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT ${formatCmdline(options)}"`,
    '',
  ].join('\n');
}

export const grubLoader: BootLoader = {
  kind: 'grub',
  reads: [GRUB_DEFAULTS, GRUB_DROP_IN, GRUB_CFG],
  nextBoot(files): NextBoot {
    const cfg = files[GRUB_CFG] ?? null;
    if (cfg === null) return { ok: false, why: `${GRUB_CFG} is missing (run update-grub)` };
    const def = grubDefault(files[GRUB_DEFAULTS] ?? null, files[GRUB_DROP_IN] ?? null);
    if (def !== '0') return { ok: false, why: `GRUB_DEFAULT=${def}: the entry GRUB boots is not the first one, and Harden Lab reads only that one` };
    const cmdline = firstEntryCmdline(cfg);
    return cmdline === null ? { ok: false, why: `${GRUB_CFG} has no Linux entry first` } : { ok: true, cmdline };
  },
  plan(files, add) {
    const before = files[GRUB_DROP_IN] ?? null;
    if (before !== null && dropInOptions(before).length === 0 && before.trim() !== '') {
      throw new HardenLabError('BAD_INPUT', `${GRUB_DROP_IN} was changed by hand: Harden Lab leaves it alone.`, { hint: 'Merge its settings into another drop-in and remove it, then plan again.' });
    }
    const after = dropInText([...dropInOptions(before), ...add]);
    return { files: [{ path: GRUB_DROP_IN, before, after, mode: '0644' }], commands: [['update-grub']] };
  },
};
