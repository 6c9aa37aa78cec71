import { HardenLabError } from '../../errors';
import { formatCmdline, parseCmdline, type CmdlineOption } from './cmdline';
import type { BootLoader, NextBoot } from './types';

/**
 * extlinux (syslinux) reads its configuration at boot: the DEFAULT label's
 * APPEND line is the next boot's command line. Keywords are case-insensitive;
 * a label runs until the next LABEL. Only the default label is changed: the
 * others (the lab's debian-old, Alpine's extra kernels) keep what they had.
 */
interface Label {
  name: string;
  /** `MENU DEFAULT` inside it: the default when DEFAULT names a menu module (Alpine's menu.c32). */
  menuDefault: boolean;
  /** Index of its APPEND line in the file, -1 when it has none. */
  appendLine: number;
  append: string;
}

export function parseExtlinux(text: string): { default: string | null; labels: Label[] } {
  const lines = text.split('\n');
  let def: string | null = null;
  const labels: Label[] = [];
  lines.forEach((raw, i) => {
    const m = /^\s*(\S+)\s*(.*?)\s*$/.exec(raw);
    if (!m || m[1]!.startsWith('#')) return;
    const kw = m[1]!.toUpperCase();
    if (kw === 'DEFAULT' && labels.length === 0) def = m[2]!;
    else if (kw === 'LABEL') labels.push({ name: m[2]!, menuDefault: false, appendLine: -1, append: '' });
    else if (kw === 'MENU' && /^DEFAULT$/i.test(m[2]!) && labels.length) labels[labels.length - 1]!.menuDefault = true;
    else if (kw === 'APPEND' && labels.length) Object.assign(labels[labels.length - 1]!, { appendLine: i, append: m[2]! });
  });
  return { default: def, labels };
}

export function defaultLabel(text: string): Label | null {
  const c = parseExtlinux(text);
  const named = c.labels.find((l) => l.name === c.default);
  if (named) return named;
  // DEFAULT menu.c32 (or none): the label the menu marks, else the first.
  if (c.default === null || /\.c32$/i.test(c.default)) return c.labels.find((l) => l.menuDefault) ?? c.labels[0] ?? null;
  return null;
}

export function extlinuxNextBoot(text: string | null, path: string): NextBoot {
  if (text === null) return { ok: false, why: `${path} is missing` };
  const l = defaultLabel(text);
  if (!l) return { ok: false, why: `${path} names no label to boot by default` };
  return { ok: true, cmdline: l.append };
}

/** The file with options added to the default label's APPEND line, that line's indentation kept. */
export function withOptions(text: string, path: string, add: readonly CmdlineOption[]): string {
  const l = defaultLabel(text);
  if (!l || l.appendLine < 0) throw new HardenLabError('BAD_INPUT', `${path}: the default label has no APPEND line to add kernel options to.`);
  const lines = text.split('\n');
  const indent = /^\s*/.exec(lines[l.appendLine]!)![0];
  const keyword = /^\s*(\S+)/.exec(lines[l.appendLine]!)![1];
  lines[l.appendLine] = `${indent}${keyword} ${formatCmdline([...parseCmdline(l.append), ...add])}`;
  return lines.join('\n');
}

export const LAB_EXTLINUX = '/boot/extlinux/extlinux.conf';

/** The Debian lab's own boot loader: the file is the configuration, nothing to regenerate. */
export const extlinuxLoader: BootLoader = {
  kind: 'extlinux',
  reads: [LAB_EXTLINUX],
  nextBoot: (files) => extlinuxNextBoot(files[LAB_EXTLINUX] ?? null, LAB_EXTLINUX),
  plan(files, add) {
    const before = files[LAB_EXTLINUX] ?? null;
    if (before === null) throw new HardenLabError('BAD_INPUT', `${LAB_EXTLINUX} is missing.`);
    return { files: [{ path: LAB_EXTLINUX, before, after: withOptions(before, LAB_EXTLINUX, add) }], commands: [] };
  },
};
