import type { PlanWarning } from '../../../../shared/domain';
import type { DistroAdapter } from '../../distro/types';
import type { StepPlanDraft } from '../../engine/step';
import { HardenLabError } from '../../errors';
import { ALL_SETTINGS, isTransientInterface, OUR_FILE_NAME, PER_INTERFACE, settingFor, type SysctlSetting } from './catalog';
import { bootOrder, laterOverrides, normalizeValue, parseSysctlConf, type ConfFile } from './parse';

/**
 * The sysctl step's decisions, pure: which settings apply on this kernel and
 * this host, the value each gets (a stronger current value is kept), the one
 * sysctl.d file with a comment on every line, and what would undo it at boot.
 */
export interface SysctlFacts {
  kernelRelease: string;
  /** Every key the kernel has now, with its value (`sysctl -a`, run as root). */
  values: Record<string, string>;
  /** Every sysctl config file: the sysctl.d directories and /etc/sysctl.conf. */
  files: ConfFile[];
  ourPath: string;
  ourFile: string | null;
  /** Whether systemd-sysctl applies the files at boot (else procps/OpenRC, which read /etc/sysctl.conf last). */
  systemd: boolean;
  containers: { installed: string[]; running: string[] };
  /** The kernel knows perf_event_paranoid = 3 (CONFIG_SECURITY_PERF_EVENTS_RESTRICT, Debian and Ubuntu). */
  perfRestrict: boolean;
}

export interface SysctlOptions {
  /** A subset of the step's settings; empty means all that apply. */
  keys: string[];
  /** Other keys with the values to give them. */
  extra: Record<string, string>;
  /** Also kernel.unprivileged_userns_clone = 0 (breaks rootless containers). */
  restrictUserNamespaces: boolean;
}

export interface SysctlData {
  path: string;
  /** key -> the exact value `sysctl -n` must show after apply. */
  expected: Record<string, string>;
}

export interface PlannedLine {
  key: string;
  value: string;
  why: string;
  current: string;
}

function containersOf(facts: SysctlFacts): string[] {
  return [...new Set([...facts.containers.installed, ...facts.containers.running])];
}

/** What a setting asks for on this kernel (perf_event_paranoid = 3 needs the distribution patch). */
export function desiredValue(s: SysctlSetting, facts: Pick<SysctlFacts, 'perfRestrict'>): string {
  return s.key === 'kernel.perf_event_paranoid' && !facts.perfRestrict ? '2' : s.value;
}

/** Whether the current value already meets the setting (equal, or stronger where stronger exists). */
export function satisfied(s: SysctlSetting, current: string | undefined, facts: Pick<SysctlFacts, 'perfRestrict'>): boolean {
  if (current === undefined) return false;
  const want = desiredValue(s, facts);
  if (s.atLeast && /^-?\d+$/.test(current)) return Number(current) >= Number(want);
  return normalizeValue(current) === want;
}

/** The settings this host gets, before per-interface lines and extras. Throws BAD_INPUT naming every key it cannot do. */
export function chooseSettings(facts: SysctlFacts, options: SysctlOptions): { settings: SysctlSetting[]; missing: string[]; leftForContainers: SysctlSetting[] } {
  const exists = (k: string) => k in facts.values;
  const unknown = options.keys.filter((k) => !settingFor(k));
  const absent = [...options.keys.filter((k) => settingFor(k) && !exists(k)), ...Object.keys(options.extra).filter((k) => !exists(k))];
  if (unknown.length > 0 || absent.length > 0) {
    const problems = [
      unknown.length ? `${unknown.join(', ')} ${unknown.length > 1 ? 'are not settings' : 'is not a setting'} of this step (use "extra" to set other keys)` : '',
      absent.length ? `${absent.join(', ')} ${absent.length > 1 ? 'do' : 'does'} not exist on the kernel ${facts.kernelRelease}` : '',
    ].filter(Boolean);
    throw new HardenLabError('BAD_INPUT', `Unknown sysctl key${unknown.length + absent.length > 1 ? 's' : ''}: ${problems.join('; ')}.`, {
      hint: 'Nothing was changed. `sysctl -a` on the VM lists the keys it has.',
    });
  }
  if (options.keys.length > 0) return { settings: options.keys.map((k) => settingFor(k)!), missing: [], leftForContainers: [] };
  const wanted = ALL_SETTINGS.filter((s) => !s.optIn || (s.optIn === 'userns' && options.restrictUserNamespaces));
  const leftForContainers = containersOf(facts).length > 0 ? wanted.filter((s) => s.containerSensitive) : [];
  const candidates = wanted.filter((s) => !leftForContainers.includes(s));
  return { settings: candidates.filter((s) => exists(s.key)), missing: candidates.filter((s) => !exists(s.key)).map((s) => s.key), leftForContainers };
}

/** One line per existing interface where the kernel honours the interface's own value (catalog.ts PER_INTERFACE). */
const INTERFACE_KEY = new RegExp(`^net\\.ipv[46]\\.conf\\.(?!all\\.|default\\.)[^.]+\\.(?:${[...new Set(PER_INTERFACE.map((p) => p.name))].join('|')})$`);

export function interfaceLines(facts: SysctlFacts, chosen: readonly SysctlSetting[]): PlannedLine[] {
  const lines: PlannedLine[] = [];
  for (const p of PER_INTERFACE) {
    if (!chosen.some((s) => s.key === `net.${p.family}.conf.all.${p.name}`)) continue;
    const re = new RegExp(`^net\\.${p.family}\\.conf\\.([^.]+)\\.${p.name}$`);
    for (const key of Object.keys(facts.values).sort()) {
      const m = re.exec(key);
      // A "/" stands for a dot in the interface name (eth0.100): such VLANs are left to "default".
      if (!m || isTransientInterface(m[1]!) || m[1]!.includes('/')) continue;
      lines.push({ key, value: p.value, current: facts.values[key]!, why: '' });
    }
  }
  return lines;
}

export const FILE_HEADER = (path: string) => `# Harden Lab: kernel hardening settings (KSPP, kernel-hardening-checker, CIS).
#
# Named to be read last at boot: systemd-sysctl (and procps' sysctl --system)
# read /etc/sysctl.d, /run/sysctl.d and /usr/lib/sysctl.d together, sorted by
# file name, and the last value of a key wins. Debian's own file
# 99-protect-links.conf in /usr/lib/sysctl.d would otherwise set
# fs.protected_fifos back to 1.
#
# Written by the "sysctl" step; apply it now with: sysctl -p ${path}
`;

export function renderFile(path: string, lines: readonly PlannedLine[], ifLines: readonly PlannedLine[], extra: readonly PlannedLine[]): string {
  const parts = [FILE_HEADER(path)];
  for (const l of lines) parts.push(`# ${l.why}\n${l.key} = ${l.value}\n`);
  if (ifLines.length > 0) {
    parts.push(
      '# Interfaces that exist now keep their own values, and the kernel honours an\n' +
        '# interface\'s own "1" for redirects even when "all" is 0 (IPv6 looks at the\n' +
        '# interface alone): set them one by one. Interfaces created later take "default".\n' +
        ifLines.map((l) => `${l.key} = ${l.value}\n`).join(''),
    );
  }
  if (extra.length > 0) parts.push('# Asked for by name.\n' + extra.map((l) => `${l.key} = ${l.value}\n`).join(''));
  return parts.join('\n');
}

export function planSysctl(facts: SysctlFacts, options: SysctlOptions, distro: Pick<DistroAdapter, 'sysctlLoadFile'>): StepPlanDraft<SysctlData> {
  const { settings, missing, leftForContainers } = chooseSettings(facts, options);
  const warnings: PlanWarning[] = [];
  const extraKeys = new Set(Object.keys(options.extra));
  const lines: PlannedLine[] = settings
    .filter((s) => !extraKeys.has(s.key))
    .map((s) => {
      const current = facts.values[s.key]!;
      return { key: s.key, current, why: s.why, value: satisfied(s, current, facts) ? normalizeValue(current) : desiredValue(s, facts) };
    });
  const ifLines = interfaceLines(facts, settings).filter((l) => !extraKeys.has(l.key));
  const extra: PlannedLine[] = Object.entries(options.extra).map(([key, value]) => ({ key, value: normalizeValue(value), current: facts.values[key]!, why: '' }));

  // Our file keeps what it already sets (a narrower request never loosens the boot-time values),
  // except keys this kernel lacks (sysctl -p would fail on them) and what containers need now.
  const planned = new Set([...lines, ...ifLines, ...extra].map((l) => l.key));
  const dropped: string[] = [];
  for (const a of parseSysctlConf(facts.ourFile ?? '')) {
    if (planned.has(a.key)) continue;
    const s = settingFor(a.key);
    if (!(a.key in facts.values) || (s && leftForContainers.includes(s))) {
      dropped.push(`${a.key} = ${a.value}`);
      continue;
    }
    const kept = { key: a.key, value: a.value, current: facts.values[a.key]!, why: s?.why ?? '' };
    if (s) lines.push(kept);
    else if (INTERFACE_KEY.test(a.key)) ifLines.push(kept);
    else extra.push(kept);
    planned.add(a.key);
  }
  if (dropped.length > 0) warnings.push({ kind: 'info', message: `Taken out of ${facts.ourPath}: ${dropped.join(', ')} (not on this kernel, or needed by containers now).` });
  // A stable order, whatever the request: the catalogue's for settings, by key for the rest.
  const rank = (k: string) => ALL_SETTINGS.findIndex((s) => s.key === k);
  lines.sort((a, b) => rank(a.key) - rank(b.key));
  ifLines.sort((a, b) => a.key.localeCompare(b.key));
  extra.sort((a, b) => a.key.localeCompare(b.key));
  const all = [...lines, ...ifLines, ...extra];
  const after = renderFile(facts.ourPath, lines, ifLines, extra);
  const fileChanges = after !== facts.ourFile;
  const changing = all.filter((l) => normalizeValue(l.current) !== l.value);

  const hurtsContainers = containersOf(facts).length > 0 ? changing.filter((l) => settingFor(l.key)?.containerSensitive) : [];
  if (hurtsContainers.length > 0) {
    warnings.push({ kind: 'breaks-docker', message: `${hurtsContainers.map((l) => `${l.key} = ${l.value}`).join(', ')}: ${containersOf(facts).join(', ')} need${containersOf(facts).length === 1 ? 's' : ''} forwarding for container networking.` });
  }

  const oneWay = changing.filter((l) => settingFor(l.key)?.oneWay);
  if (oneWay.length > 0) {
    warnings.push({
      kind: 'irreversible-until-reboot',
      message: `${oneWay.map((l) => `${l.key} = ${l.value}`).join(' and ')} cannot be set back until the next reboot (the kernel refuses). A snapshot revert still brings the VM back as it was.`,
    });
  }
  const userns = changing.find((l) => l.key === 'kernel.unprivileged_userns_clone');
  if (userns) {
    warnings.push({ kind: 'breaks-docker', message: 'kernel.unprivileged_userns_clone = 0 stops rootless Docker and Podman (and browser sandboxes) from creating user namespaces. Docker run as root keeps working.' });
  }
  if (options.restrictUserNamespaces && !('kernel.unprivileged_userns_clone' in facts.values)) {
    warnings.push({ kind: 'info', message: `The kernel ${facts.kernelRelease} has no kernel.unprivileged_userns_clone (a Debian patch), so user namespaces stay open to all users.` });
  }
  if (leftForContainers.length > 0) {
    warnings.push({
      kind: 'info',
      message: `${containersOf(facts).join(', ')} found: left alone so containers keep their network: ${leftForContainers.map((s) => `${s.key} (now ${facts.values[s.key] ?? 'absent'})`).join(', ')}.`,
    });
  }
  if (missing.length > 0) warnings.push({ kind: 'info', message: `Not on the kernel ${facts.kernelRelease}, so not set: ${missing.join(', ')}.` });
  if (!facts.perfRestrict && settings.some((s) => s.key === 'kernel.perf_event_paranoid')) {
    warnings.push({ kind: 'info', message: 'This kernel lacks the patch that makes perf_event_paranoid = 3 mean more than 2; 2 is set.' });
  }
  const ours = new Map(all.map((l) => [l.key, l.value]));
  const order = bootOrder([...facts.files.filter((f) => f.path !== facts.ourPath), { path: facts.ourPath, content: after }], { systemd: facts.systemd });
  for (const o of laterOverrides(order, facts.ourPath, ours)) {
    warnings.push({ kind: 'info', message: `At boot, ${o.path}:${o.line} is read after ${OUR_FILE_NAME} and sets ${o.key} = ${o.value}, which wins over ${ours.get(o.key)}. Remove or change that line.` });
  }

  const nothingToDo = !fileChanges && changing.length === 0;
  const commands = nothingToDo ? [] : [{ argv: distro.sysctlLoadFile(facts.ourPath), elevated: true, why: 'Apply the file now; at boot the sysctl service reads it.' }];
  const summary = nothingToDo
    ? `All ${all.length} settings already hold.`
    : `Set ${changing.length} kernel setting${changing.length === 1 ? '' : 's'} (${changing.slice(0, 4).map((l) => `${l.key} = ${l.value}`).join(', ')}${changing.length > 4 ? ', …' : ''}) in ${facts.ourPath} and apply it now.`;
  return {
    summary,
    files: fileChanges ? [{ path: facts.ourPath, before: facts.ourFile, after, mode: '0644' }] : [],
    commands,
    warnings,
    nothingToDo,
    data: { path: facts.ourPath, expected: Object.fromEntries(all.map((l) => [l.key, l.value])) },
  };
}
