import type { PlanWarning } from '../../../../shared/domain';
import { alpineLoader, extlinuxLoader, grubLoader, type BootLoader, type BootLoaderKind } from '../../distro/boot/index';
import { effectiveValue, parseCmdline, SAFE_OPTION, type CmdlineOption } from '../../distro/boot/cmdline';
import type { StepPlanDraft } from '../../engine/step';
import { HardenLabError } from '../../errors';
import { CMDLINE_SETTINGS, DEFAULT_SETTINGS, type CmdlineSetting } from './catalog';

/**
 * The cmdline step's decisions, pure: for each chosen option, whether this
 * kernel understands it, whether the next boot already has it (or something
 * at least as strong, or the kernel's build default does it), and otherwise
 * the boot loader's change that adds it. Verify and the audit judge with the
 * same `holds`.
 */
export interface CmdlineFacts {
  /** /proc/cmdline: this boot. */
  running: string;
  release: string;
  arch: string;
  /** The running kernel's build options (CONFIG_ prefix dropped); null when unreadable. */
  config: ReadonlyMap<string, string> | null;
  loader: BootLoaderKind | null;
  /** The boot loader's files (null: missing). */
  files: Record<string, string | null>;
}

export interface CmdlineOptions {
  settings: string[];
  optIn: string[];
}

export type Decision =
  | { setting: CmdlineSetting; status: 'add' }
  | { setting: CmdlineSetting; status: 'present' | 'default-on' | 'unsupported'; reason: string };

export interface CmdlineData {
  loader: BootLoaderKind;
  /** The options the next boot must show in /proc/cmdline (added now or already there). */
  expected: string[];
  decisions: Array<{ id: string; status: Decision['status'] }>;
}

const LOADERS: Record<BootLoaderKind, BootLoader> = { grub: grubLoader, extlinux: extlinuxLoader, 'alpine-extlinux': alpineLoader };

export function loaderOf(kind: BootLoaderKind): BootLoader {
  return LOADERS[kind];
}

function kernelAtLeast(release: string, want: readonly [number, number]): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > want[0] || (maj === want[0] && min >= want[1]);
}

/** Null when this kernel has what the option needs, else why not. */
export function unsupported(s: CmdlineSetting, f: Pick<CmdlineFacts, 'release' | 'arch' | 'config'>): string | null {
  if (s.needs?.arch && f.arch !== s.needs.arch) return `only on ${s.needs.arch} (this is ${f.arch})`;
  if (s.needs?.kernel && !kernelAtLeast(f.release, s.needs.kernel)) return `needs Linux ${s.needs.kernel.join('.')} or newer (this is ${f.release})`;
  const missing = (s.needs?.config ?? []).filter((c) => f.config && f.config.get(c) !== 'y');
  if (missing.length) return `${f.release} is built without ${missing.map((c) => `CONFIG_${c}`).join(', ')}`;
  return null;
}

/** The option as it is written: the setting's own value. */
export function optionOf(s: CmdlineSetting): CmdlineOption {
  return { key: s.key, value: s.value };
}

export function formatSetting(s: CmdlineSetting): string {
  return s.value === null ? s.key : `${s.key}=${s.value}`;
}

/** Whether a command line has the setting, or a value at least as strong. */
export function holds(s: CmdlineSetting, cmdline: readonly CmdlineOption[]): boolean {
  const v = effectiveValue(cmdline, s.key);
  if (v === undefined) return false;
  return v === s.value || (v !== null && (s.accepts ?? []).includes(v));
}

/** On without any option: the build default does it, and nothing on the command line turns it off. */
export function onByDefault(s: CmdlineSetting, cmdline: readonly CmdlineOption[], config: ReadonlyMap<string, string> | null): boolean {
  return Boolean(s.defaultOn && config?.get(s.defaultOn) === 'y' && effectiveValue(cmdline, s.key) === undefined);
}

export function chosenSettings(o: CmdlineOptions): CmdlineSetting[] {
  const ids = o.settings.length ? o.settings : [...DEFAULT_SETTINGS.map((s) => s.id), ...o.optIn];
  // lockdown=confidentiality is not a separate setting: it is accepted as stronger than integrity.
  return CMDLINE_SETTINGS.filter((s) => ids.includes(s.id));
}

export function decide(f: CmdlineFacts, nextBoot: readonly CmdlineOption[], chosen: readonly CmdlineSetting[]): Decision[] {
  return chosen.map((s): Decision => {
    const why = unsupported(s, f);
    if (why) return { setting: s, status: 'unsupported', reason: why };
    if (holds(s, nextBoot)) return { setting: s, status: 'present', reason: `the next boot already has ${s.key}=${effectiveValue(nextBoot, s.key) ?? ''}`.replace(/=$/, '') };
    if (onByDefault(s, nextBoot, f.config)) return { setting: s, status: 'default-on', reason: `on by this kernel's build default (CONFIG_${s.defaultOn}=y)` };
    return { setting: s, status: 'add' };
  });
}

export function planCmdline(f: CmdlineFacts, o: CmdlineOptions): StepPlanDraft<CmdlineData> {
  if (!f.loader) throw new HardenLabError('BAD_INPUT', 'This system boots with no boot loader Harden Lab knows (GRUB, extlinux, Alpine\'s update-extlinux).', { hint: 'Add the options to your boot loader by hand; the audit still reports them.' });
  const loader = loaderOf(f.loader);
  const next = loader.nextBoot(f.files);
  if (!next.ok) throw new HardenLabError('BAD_INPUT', `The next boot's kernel command line cannot be read: ${next.why}.`);
  const nextOptions = parseCmdline(next.cmdline);
  const decisions = decide(f, nextOptions, chosenSettings(o));
  const add = decisions.filter((d) => d.status === 'add').map((d) => optionOf(d.setting));
  for (const a of add) if (!SAFE_OPTION.test(a.value === null ? a.key : `${a.key}=${a.value}`)) throw new HardenLabError('INTERNAL', `Option ${a.key} cannot be written safely.`);
  const change = add.length ? loader.plan(f.files, add) : { files: [], commands: [] };
  const warnings: PlanWarning[] = [];
  const skipped = decisions.filter((d) => d.status === 'unsupported');
  if (skipped.length) warnings.push({ kind: 'info', message: `Left out, this kernel would ignore them: ${skipped.map((d) => `${formatSetting(d.setting)} (${'reason' in d ? d.reason : ''})`).join('; ')}.` });
  const breaking = decisions.filter((d) => d.status === 'add' && d.setting.optIn);
  if (breaking.length) warnings.push({ kind: 'info', message: `What stops working: ${breaking.map((d) => `${formatSetting(d.setting)}: ${d.setting.optIn!.breaks}`).join('; ')}.` });
  if (add.length) warnings.push({ kind: 'info', message: 'The VM reboots with the new command line; if it does not come back within the deadline, the snapshot is restored.' });
  const pending = decisions.filter((d) => d.status === 'present' && !holds(d.setting, parseCmdline(f.running)));
  if (pending.length) warnings.push({ kind: 'info', message: `Already written for the next boot, not yet in effect (reboot): ${pending.map((d) => formatSetting(d.setting)).join(', ')}.` });
  return {
    summary: add.length ? `Add ${add.map((a) => (a.value === null ? a.key : `${a.key}=${a.value}`)).join(' ')} to the kernel command line (${f.loader}), then reboot and read /proc/cmdline.` : 'The next boot already has every chosen option this kernel understands.',
    files: change.files.map((x) => ({ path: x.path, before: x.before, after: x.after, ...(x.mode ? { mode: x.mode } : {}) })),
    commands: change.commands.map((argv) => ({ argv, elevated: true, why: argv[0] === 'update-grub' ? 'Write /boot/grub/grub.cfg from the defaults and drop-ins.' : 'Write /boot/extlinux.conf from /etc/update-extlinux.conf.', timeoutMs: 5 * 60_000 })),
    rebootRequired: add.length > 0,
    warnings,
    nothingToDo: add.length === 0,
    data: {
      loader: f.loader,
      expected: decisions.filter((d) => d.status === 'add' || d.status === 'present').map((d) => d.setting.id),
      decisions: decisions.map((d) => ({ id: d.setting.id, status: d.status })),
    },
  };
}
