import { SYSCTL_DIRS } from './catalog';

/**
 * Parsers and the boot-order model for sysctl. Pure; tested on `sysctl -a`
 * recorded on the lab VM and judged against systemd's own ordering
 * (`systemd-analyze cat-config sysctl.d`).
 */

/** Multi-number values come back tab-separated from the kernel; compare them with single spaces. */
export function normalizeValue(v: string): string {
  return v.trim().split(/\s+/).join(' ');
}

/** `sysctl -a` (procps and busybox): "key = value" a line. */
export function parseSysctlAll(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf(' = ');
    if (eq > 0) values.set(line.slice(0, eq).trim(), normalizeValue(line.slice(eq + 3)));
    else if (/^\S+ =$/.test(line.trim())) values.set(line.trim().slice(0, -2), '');
  }
  return values;
}

export interface SysctlAssignment {
  /** 1-based line number. */
  line: number;
  key: string;
  value: string;
}

/**
 * A sysctl.conf / sysctl.d file: "key = value", comments with # or ;, a
 * leading "-" (systemd: ignore a failure) and "/" as separator allowed.
 */
export function parseSysctlConf(text: string): SysctlAssignment[] {
  const out: SysctlAssignment[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    let key = line.slice(0, eq).trim().replace(/^-/, '');
    if (key.includes('/') && !key.includes('.')) key = key.replace(/\//g, '.');
    out.push({ line: i + 1, key, value: normalizeValue(line.slice(eq + 1)) });
  });
  return out;
}

export interface ConfFile {
  path: string;
  content: string;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/**
 * The order files are read at boot, where the last value of a key wins:
 *   systemd-sysctl: every *.conf of the sysctl.d directories, a name in an
 *     earlier directory (/etc first) hiding the same name later, all sorted
 *     by file name (Debian links /etc/sysctl.conf in as 99-sysctl.conf);
 *   procps `sysctl --system` and OpenRC's sysctl service: the same, then
 *     /etc/sysctl.conf itself, last.
 */
export function bootOrder(files: readonly ConfFile[], opts: { systemd: boolean }): ConfFile[] {
  const byName = new Map<string, ConfFile>();
  for (const dir of SYSCTL_DIRS) {
    for (const f of files) {
      if (dirOf(f.path) !== dir || !f.path.endsWith('.conf')) continue;
      if (!byName.has(basename(f.path))) byName.set(basename(f.path), f);
    }
  }
  const sorted = [...byName.values()].sort((a, b) => (basename(a.path) < basename(b.path) ? -1 : basename(a.path) > basename(b.path) ? 1 : 0));
  const main = files.find((f) => f.path === '/etc/sysctl.conf');
  return !opts.systemd && main ? [...sorted, main] : sorted;
}

export interface Override {
  key: string;
  path: string;
  line: number;
  value: string;
}

/** Assignments read after our file that set one of our keys to another value: they win at boot. */
export function laterOverrides(order: readonly ConfFile[], ourPath: string, ours: ReadonlyMap<string, string>): Override[] {
  const at = order.findIndex((f) => f.path === ourPath);
  const after = at === -1 ? order : order.slice(at + 1);
  const last = new Map<string, Override>();
  for (const f of after) {
    for (const a of parseSysctlConf(f.content)) if (ours.has(a.key)) last.set(a.key, { key: a.key, path: f.path, line: a.line, value: a.value });
  }
  return [...last.values()].filter((o) => o.value !== ours.get(o.key));
}
