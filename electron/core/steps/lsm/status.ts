/**
 * The running kernel's security modules as /sys and /proc report them, parsed
 * by pure functions (tested on recorded strings).
 */

/** /sys/kernel/security/lsm: "lockdown,capability,landlock,yama,apparmor,tomoyo,bpf". */
export function parseLsmList(text: string): string[] {
  return text
    .trim()
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface LockdownState {
  mode: string;
  available: string[];
}

/** /sys/kernel/security/lockdown: "[none] integrity confidentiality" (the selected mode in brackets). */
export function parseLockdown(text: string): LockdownState | null {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const selected = words.find((w) => /^\[.+\]$/.test(w));
  if (!selected) return null;
  return { mode: selected.slice(1, -1), available: words.map((w) => w.replace(/^\[|\]$/g, '')) };
}

export interface AppArmorProfiles {
  total: number;
  enforce: number;
  complain: number;
  /** kill, unconfined, prompt... */
  other: number;
}

/** /sys/kernel/security/apparmor/profiles: one "NAME (MODE)" a line. */
export function parseAppArmorProfiles(text: string): AppArmorProfiles {
  const counts: AppArmorProfiles = { total: 0, enforce: 0, complain: 0, other: 0 };
  for (const line of text.split('\n')) {
    const m = /\((\w+)\)\s*$/.exec(line.trim());
    if (!m) continue;
    counts.total++;
    if (m[1] === 'enforce') counts.enforce++;
    else if (m[1] === 'complain') counts.complain++;
    else counts.other++;
  }
  return counts;
}

/** aa-status: "N profiles are loaded." / "N profiles are in enforce mode." (used when the profiles file cannot be read). */
export function parseAaStatus(text: string): AppArmorProfiles | null {
  const num = (re: RegExp): number | null => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  const total = num(/^(\d+) profiles? (?:is|are) loaded/m);
  if (total === null) return null;
  const enforce = num(/^(\d+) profiles? (?:is|are) in enforce mode/m) ?? 0;
  const complain = num(/^(\d+) profiles? (?:is|are) in complain mode/m) ?? 0;
  return { total, enforce, complain, other: Math.max(0, total - enforce - complain) };
}

export type SelinuxMode = 'enforcing' | 'permissive' | 'disabled';

/** getenforce prints Enforcing/Permissive/Disabled; /sys/fs/selinux/enforce holds 1 or 0. */
export function parseSelinux(getenforce: string | null, enforceFile: string | null): SelinuxMode | null {
  const g = getenforce?.trim().toLowerCase();
  if (g === 'enforcing' || g === 'permissive' || g === 'disabled') return g;
  const e = enforceFile?.trim();
  if (e === '1') return 'enforcing';
  if (e === '0') return 'permissive';
  return null;
}

/** /proc/cmdline split into parameters (double quotes group a value with spaces). */
export { parseCmdline } from '../../distro/boot/cmdline';

/**
 * Parameters that switch a protection off. Each entry: the parameter, which
 * values weaken (null: its presence alone), and what it turns off.
 */
const WEAKENING: ReadonlyArray<{ key: string; values: readonly string[] | null; what: string }> = [
  { key: 'mitigations', values: ['off'], what: 'every CPU vulnerability mitigation' },
  { key: 'nokaslr', values: null, what: 'KASLR' },
  { key: 'nopti', values: null, what: 'page table isolation' },
  { key: 'pti', values: ['off'], what: 'page table isolation' },
  { key: 'spectre_v2', values: ['off'], what: 'Spectre v2 mitigations' },
  { key: 'nospectre_v2', values: null, what: 'Spectre v2 mitigations' },
  { key: 'spec_store_bypass_disable', values: ['off'], what: 'the Spectre v4 mitigation' },
  { key: 'nosmep', values: null, what: 'SMEP' },
  { key: 'nosmap', values: null, what: 'SMAP' },
  { key: 'apparmor', values: ['0'], what: 'AppArmor' },
  { key: 'selinux', values: ['0'], what: 'SELinux' },
  { key: 'enforcing', values: ['0'], what: 'SELinux enforcement' },
  { key: 'security', values: ['none'], what: 'the major LSM' },
  { key: 'init_on_alloc', values: ['0'], what: 'zeroing memory on allocation' },
  { key: 'slab_merge', values: null, what: 'slab cache separation' },
  { key: 'vsyscall', values: ['emulate', 'native'], what: 'the removal of the vsyscall page' },
  { key: 'debugfs', values: ['on'], what: 'debugfs restrictions' },
];

export interface CmdlineFinding {
  param: string;
  what: string;
}

export function weakeningParams(params: ReadonlyArray<{ key: string; value: string | null }>): CmdlineFinding[] {
  const out: CmdlineFinding[] = [];
  for (const p of params) {
    const w = WEAKENING.find((x) => x.key === p.key && (x.values === null || (p.value !== null && x.values.includes(p.value))));
    if (w) out.push({ param: p.value === null ? p.key : `${p.key}=${p.value}`, what: w.what });
  }
  return out;
}

