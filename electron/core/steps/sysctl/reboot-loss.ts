import type { VerifyCheck } from '../../engine/step';
import type { Target } from '../../engine/target';
import { bootOrder, parseSysctlConf, type ConfFile } from './parse';

/**
 * Why a sysctl value held until the reboot and not after it: the files read
 * at boot (a later one wins), a unit or script that sets the key outside
 * sysctl.d, or the kernel command line (sysctl.KEY=VALUE). Pure; the
 * lookups it reads are made on the rebooted VM by `lookUpBootSetters`.
 */
export interface BootSetters {
  files: ConfFile[];
  systemd: boolean;
  ourPath: string;
  /** Live values after the reboot. */
  values: Record<string, string>;
  /** key -> units and scripts that name it (or its /proc/sys path). */
  mentions: Record<string, string[]>;
  cmdline: string;
}

/** "kernel.kptr_restrict = 2" -> the key and the value verify wanted. */
export function lostKeys(lost: readonly VerifyCheck[]): Array<{ key: string; want: string }> {
  return lost.flatMap((c) => {
    const m = /^([a-z0-9_]+(?:\.[A-Za-z0-9_-]+)+) = (.+)$/.exec(c.name);
    return m ? [{ key: m[1]!, want: m[2]! }] : [];
  });
}

export function explainSysctlLoss(lost: ReadonlyArray<{ key: string; want: string }>, s: BootSetters): string[] {
  const order = bootOrder(s.files, { systemd: s.systemd });
  return lost.map(({ key, want }) => {
    const now = s.values[key] ?? 'nothing';
    let last: { path: string; line: number; value: string } | null = null;
    for (const f of order) for (const a of parseSysctlConf(f.content)) if (a.key === key) last = { path: f.path, line: a.line, value: a.value };
    if (last && last.path !== s.ourPath && last.value !== want) return `${last.path} line ${last.line} sets ${key} = ${last.value} at boot, after ${s.ourPath}`;
    const onCmdline = s.cmdline.split(/\s+/).find((w) => w.startsWith(`sysctl.${key}=`));
    if (onCmdline) return `the kernel command line has ${onCmdline}`;
    const who = s.mentions[key] ?? [];
    if (who.length) return `${key} is ${now} after the boot: ${who.join(', ')} set${who.length === 1 ? 's' : ''} it at boot, outside sysctl.d`;
    if (!last) return `${key} is ${now} after the boot: no file read at boot sets it any more`;
    return `${key} is ${now} after the boot although the files read at boot give ${want}: something else sets it at boot (a service, a script or a module option)`;
  });
}

// Where boot-time code that calls `sysctl -w` or writes /proc/sys lives on systemd and OpenRC systems.
const BOOT_CODE_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system', '/etc/rc.local', '/etc/init.d', '/etc/local.d', '/etc/network/if-up.d', '/etc/cron.d'];

/** The units and scripts naming each key, and the command line, in one round trip. */
export async function lookUpBootSetters(target: Target, keys: readonly string[]): Promise<{ mentions: Record<string, string[]>; cmdline: string }> {
  const commands: Record<string, string[]> = { cmdline: ['cat', '/proc/cmdline'] };
  keys.forEach((k, i) => {
    commands[`k${i}`] = ['grep', '-rlsF', '-e', k, '-e', `/proc/sys/${k.replace(/\./g, '/')}`, '--', ...BOOT_CODE_DIRS];
  });
  const r = await target.probe(commands, { elevate: true });
  const mentions: Record<string, string[]> = {};
  keys.forEach((k, i) => {
    // Debian's own units name a few keys in comments or conditions: only files that are not the stock sysctl units.
    const files = (r[`k${i}`]?.stdout ?? '').split('\n').filter((p) => p && !/systemd-sysctl\.service$|procps/.test(p));
    if (files.length) mentions[k] = files;
  });
  return { mentions, cmdline: r.cmdline?.stdout.trim() ?? '' };
}
