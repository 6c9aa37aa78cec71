/**
 * The kernel command line as options: `name` or `name=value`, separated by
 * white space; a value may be double-quoted to hold spaces. Pure; the
 * boot-loader adapters and the cmdline step read and write it only this way.
 */
export interface CmdlineOption {
  key: string;
  /** null for a bare flag such as `quiet`. */
  value: string | null;
}

export function parseCmdline(text: string): CmdlineOption[] {
  const out: CmdlineOption[] = [];
  const re = /([^\s="]+)(?:=("[^"]*"|[^\s"]*))?/g;
  for (const m of text.matchAll(re)) {
    const raw = m[2];
    out.push({ key: m[1]!, value: raw === undefined ? null : raw.startsWith('"') ? raw.slice(1, -1) : raw });
  }
  return out;
}

export function formatOption(o: CmdlineOption): string {
  if (o.value === null) return o.key;
  return /\s/.test(o.value) ? `${o.key}="${o.value}"` : `${o.key}=${o.value}`;
}

export function formatCmdline(options: readonly CmdlineOption[]): string {
  return options.map(formatOption).join(' ');
}

/** The kernel takes the last occurrence of most parameters: that is the one in effect. */
export function effectiveValue(options: readonly CmdlineOption[], key: string): string | null | undefined {
  for (let i = options.length - 1; i >= 0; i--) if (options[i]!.key === key) return options[i]!.value;
  return undefined;
}

/**
 * Characters an option written into a boot-loader file may hold: no quote,
 * `$`, backtick, backslash or white space, so that it means the same inside
 * GRUB's shell-sourced defaults, Alpine's update-extlinux.conf and extlinux.
 */
export const SAFE_OPTION = /^[A-Za-z0-9_.-]+(=[A-Za-z0-9_.,:+/-]+)?$/;
