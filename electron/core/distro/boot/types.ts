import type { CmdlineOption } from './cmdline';

/**
 * A boot loader as the cmdline step needs it: which files say what the next
 * boot's kernel command line is, and how to add options to it as a file
 * change the preview can show (plus the command that regenerates the boot
 * configuration, if any). Pure: the step reads the files and runs the
 * commands over its Target.
 */
export type BootLoaderKind = 'grub' | 'extlinux' | 'alpine-extlinux';

export type NextBoot = { ok: true; cmdline: string } | { ok: false; why: string };

export interface BootFileChange {
  path: string;
  before: string | null;
  after: string;
  mode?: string;
}

export interface BootLoader {
  kind: BootLoaderKind;
  /** The files nextBoot and plan read; a missing one is null. */
  reads: readonly string[];
  nextBoot(files: Readonly<Record<string, string | null>>): NextBoot;
  /** Adds these options to the next boot (already checked with SAFE_OPTION and not present). */
  plan(files: Readonly<Record<string, string | null>>, add: readonly CmdlineOption[]): { files: BootFileChange[]; commands: string[][] };
}
