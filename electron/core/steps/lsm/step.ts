import { z } from 'zod';
import type { PlanWarning } from '../../../../shared/domain';
import type { AuditCheckDraft, StepContext, StepDefinition, StepPlanDraft } from '../../engine/step';
import type { TargetProbeItem } from '../../engine/target';
import { HardenLabError } from '../../errors';
import { evaluateConfig, parseKernelConfig, type ConfigCheckResult } from './kernel-config';
import {
  parseAaStatus,
  parseAppArmorProfiles,
  parseCmdline,
  parseLockdown,
  parseLsmList,
  parseSelinux,
  weakeningParams,
  type AppArmorProfiles,
  type CmdlineFinding,
  type LockdownState,
  type SelinuxMode,
} from './status';
import { kernelRelease } from '../../facts/common';
import { defineFact, type Answers } from '../../facts/provider';

/**
 * LSM and kernel security status (read-only): which Linux security modules
 * run, the lockdown mode, whether AppArmor or SELinux actually confine
 * anything, what the kernel command line switches off, and how the running
 * kernel was built. Changing any of it means a different kernel or a kernel
 * command line and a reboot, which Harden Lab explains but does not do: the
 * plan always has nothing to change.
 */
export interface LsmFacts {
  running: string;
  /** Active LSMs in order; null when /sys/kernel/security/lsm could not be read. */
  lsms: string[] | null;
  /** Null when the kernel has no lockdown LSM (no /sys/kernel/security/lockdown). */
  lockdown: LockdownState | null;
  apparmor: {
    /** /sys/module/apparmor/parameters/enabled; null when AppArmor is not built in. */
    moduleEnabled: boolean | null;
    profiles: AppArmorProfiles | null;
    /** Where the profile counts come from. */
    profilesSource: string;
  };
  selinux: SelinuxMode | null;
  cmdline: string;
  config: { source: string; values: Record<string, string> } | null;
  /** Why the config could not be read. */
  configNote?: string;
}

const CONFIG_MARKER = '# hardenlab-config-source: ';

// /boot/config-<release> on Debian and Ubuntu, /boot/config-<flavor> on
// Alpine, else the kernel's own copy. /proc/config.gz may need the "configs"
// module, which this read-only step does not load.
const CONFIG_SCRIPT = `r=$(uname -r)
for f in "/boot/config-$r" "/boot/config-\${r##*-}"; do
  if [ -r "$f" ]; then echo "${CONFIG_MARKER}$f"; cat -- "$f"; exit 0; fi
done
if [ -r /proc/config.gz ]; then echo "${CONFIG_MARKER}/proc/config.gz"; gzip -dc /proc/config.gz; exit $?; fi
exit 3`;

const optional = (cmd: string): string[] => ['sh', '-c', `command -v ${cmd} >/dev/null 2>&1 || exit 127; ${cmd}`];
const text = (r: TargetProbeItem | undefined): string | null => (r && r.code === 0 ? r.stdout : null);

/** Builds the facts from the probe's outputs (pure, so recorded outputs can be fed in). */
export function lsmFactsFrom(r: Record<string, TargetProbeItem | undefined>): LsmFacts {
  const lsmText = text(r.lsm);
  const lockText = text(r.lockdown);
  const enabled = text(r.aaEnabled)?.trim();
  const profilesText = text(r.aaProfiles);
  const aaStatus = text(r.aaStatus);
  let profiles: AppArmorProfiles | null = null;
  let profilesSource = 'not available';
  if (profilesText !== null) {
    profiles = parseAppArmorProfiles(profilesText);
    profilesSource = '/sys/kernel/security/apparmor/profiles';
  } else if (aaStatus !== null) {
    profiles = parseAaStatus(aaStatus);
    profilesSource = 'aa-status';
  }
  const configOut = text(r.config);
  let config: LsmFacts['config'] = null;
  let configNote: string | undefined;
  if (configOut !== null && configOut.startsWith(CONFIG_MARKER)) {
    const nl = configOut.indexOf('\n');
    config = { source: configOut.slice(CONFIG_MARKER.length, nl < 0 ? undefined : nl).trim(), values: Object.fromEntries(parseKernelConfig(configOut)) };
  } else {
    configNote = 'no /boot/config-<release>, /boot/config-<flavor> or /proc/config.gz could be read (on Alpine, `modprobe configs` makes /proc/config.gz appear)';
  }
  return {
    running: text(r.unameR)?.trim() ?? '',
    lsms: lsmText === null ? null : parseLsmList(lsmText),
    lockdown: lockText === null ? null : parseLockdown(lockText),
    apparmor: { moduleEnabled: enabled === undefined ? null : enabled === 'Y' || enabled === 'y' || enabled === '1', profiles, profilesSource },
    selinux: parseSelinux(text(r.getenforce), text(r.selinuxEnforce)),
    cmdline: text(r.cmdline)?.trim() ?? '',
    config,
    ...(configNote ? { configNote } : {}),
  };
}

const LSM_COMMANDS = {
  lsm: ['cat', '/sys/kernel/security/lsm'],
  lockdown: ['cat', '/sys/kernel/security/lockdown'],
  aaEnabled: ['cat', '/sys/module/apparmor/parameters/enabled'],
  aaProfiles: ['cat', '/sys/kernel/security/apparmor/profiles'],
  aaStatus: optional('aa-status'),
  getenforce: optional('getenforce'),
  selinuxEnforce: ['cat', '/sys/fs/selinux/enforce'],
  cmdline: ['cat', '/proc/cmdline'],
  config: ['sh', '-c', CONFIG_SCRIPT],
};

/** The LSM state; the kernel release is the shared fact, given to the parser under its old name. */
export const lsmState = defineFact<Answers>({ id: 'lsm.state', commands: () => LSM_COMMANDS, parse: (first) => first });

export async function probeLsm(ctx: StepContext): Promise<LsmFacts> {
  const [r, release] = await Promise.all([ctx.facts.get(lsmState), ctx.facts.get(kernelRelease)]);
  const facts = lsmFactsFrom({ ...r, unameR: { code: release ? 0 : 1, stdout: `${release}\n` } });
  if (!facts.running) throw new HardenLabError('REMOTE_COMMAND_FAILED', `\`uname -r\` gave nothing on ${ctx.profile.host}.`);
  return facts;
}

function has(facts: LsmFacts, lsm: string): boolean {
  return facts.lsms?.includes(lsm) ?? false;
}

export interface LsmAssessment {
  checks: AuditCheckDraft[];
  config: ConfigCheckResult[];
  cmdline: CmdlineFinding[];
}

/** Every audit check, one per item, each with the value that decided it. */
export function assessLsm(facts: LsmFacts): LsmAssessment {
  const checks: AuditCheckDraft[] = [];
  const lsmEvidence = facts.lsms === null ? '/sys/kernel/security/lsm could not be read' : `/sys/kernel/security/lsm: ${facts.lsms.join(',') || '(empty)'}`;
  const macOn = has(facts, 'apparmor') || has(facts, 'selinux');
  checks.push({ id: 'lsm.mac-active', title: 'AppArmor or SELinux is active (what container engines confine containers with)', status: facts.lsms === null ? 'skip' : macOn ? 'pass' : 'fail', evidence: lsmEvidence });
  checks.push({ id: 'lsm.yama-active', title: 'The Yama LSM restricts ptrace', status: facts.lsms === null ? 'skip' : has(facts, 'yama') ? 'pass' : 'fail', evidence: lsmEvidence });

  if (!has(facts, 'apparmor')) {
    checks.push({ id: 'lsm.apparmor-profiles', title: 'AppArmor confines programs (profiles in enforce mode)', status: 'skip', evidence: `AppArmor is not active (${lsmEvidence}; module enabled: ${facts.apparmor.moduleEnabled === null ? 'not built in' : facts.apparmor.moduleEnabled ? 'Y' : 'N'})` });
  } else {
    const p = facts.apparmor.profiles;
    checks.push({
      id: 'lsm.apparmor-profiles',
      title: 'AppArmor confines programs (profiles in enforce mode)',
      status: p === null ? 'skip' : p.enforce > 0 ? 'pass' : 'fail',
      evidence: p === null ? 'the loaded profiles could not be read' : `${facts.apparmor.profilesSource}: ${p.total} profiles loaded, ${p.enforce} in enforce mode, ${p.complain} in complain mode`,
    });
  }
  checks.push({
    id: 'lsm.selinux-enforcing',
    title: 'SELinux enforces its policy',
    status: has(facts, 'selinux') || facts.selinux !== null ? (facts.selinux === 'enforcing' ? 'pass' : 'fail') : 'skip',
    evidence: facts.selinux === null ? `SELinux is not active (${lsmEvidence})` : `SELinux mode: ${facts.selinux}`,
  });
  checks.push({
    id: 'lsm.lockdown',
    title: 'Kernel lockdown is on (integrity or confidentiality)',
    status: facts.lockdown === null ? 'fail' : facts.lockdown.mode === 'none' ? 'fail' : 'pass',
    evidence: facts.lockdown === null ? 'no /sys/kernel/security/lockdown: this kernel has no lockdown LSM' : `/sys/kernel/security/lockdown: ${facts.lockdown.available.map((m) => (m === facts.lockdown!.mode ? `[${m}]` : m)).join(' ')}`,
  });
  const cmdline = weakeningParams(parseCmdline(facts.cmdline));
  checks.push({
    id: 'lsm.cmdline',
    title: 'The kernel command line switches no protection off',
    status: facts.cmdline === '' ? 'skip' : cmdline.length === 0 ? 'pass' : 'fail',
    evidence: cmdline.length === 0 ? `/proc/cmdline: ${facts.cmdline || '(unreadable)'}` : `${cmdline.map((f) => `${f.param} turns off ${f.what}`).join('; ')} (/proc/cmdline: ${facts.cmdline})`,
  });

  const config = facts.config ? evaluateConfig(new Map(Object.entries(facts.config.values))) : [];
  if (!facts.config) {
    checks.push({ id: 'lsm.config', title: 'Kernel build options', status: 'skip', evidence: facts.configNote ?? 'the kernel config could not be read' });
  }
  for (const c of config) {
    checks.push({ id: `lsm.config.${c.check.id}`, title: `Kernel built with: ${c.check.title}`, status: c.status, evidence: `${facts.config!.source}: ${c.evidence}` });
  }
  return { checks, config, cmdline };
}

/**
 * An lsm= value that turns `add` on: the LSMs active now, in their order,
 * with `add` before bpf. AppArmor, SELinux and Smack exclude each other, so
 * the others of them are left out; capability is always first by itself.
 */
export function lsmParamSuggestion(active: readonly string[], add: string): string {
  const exclusive = ['apparmor', 'selinux', 'smack'];
  const keep = active.filter((l) => l !== 'capability' && l !== add && !exclusive.includes(l));
  const bpf = keep.indexOf('bpf');
  if (bpf >= 0) keep.splice(bpf, 0, add);
  else keep.push(add);
  return `lsm=${keep.join(',')}`;
}

export function planLsm(facts: LsmFacts): StepPlanDraft {
  const { checks, config, cmdline } = assessLsm(facts);
  const warnings: PlanWarning[] = [];
  const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
  const built = (option: string): boolean => facts.config?.values[option] === 'y';

  if (byId['lsm.mac-active']?.status === 'fail') {
    const candidate = built('SECURITY_APPARMOR') ? 'apparmor' : built('SECURITY_SELINUX') ? 'selinux' : null;
    warnings.push({
      kind: 'info',
      message: candidate
        ? `Neither AppArmor nor SELinux is active, although this kernel has ${candidate === 'apparmor' ? 'AppArmor' : 'SELinux'} built in. Booting with ${lsmParamSuggestion(facts.lsms ?? [], candidate)}${candidate === 'apparmor' ? ' (or apparmor=1 security=apparmor)' : ''} on the kernel command line turns it on; container engines then confine each container with a profile.`
        : 'Neither AppArmor nor SELinux is active, and this kernel was not built with either: a distribution kernel that has them is the way to container confinement.',
    });
  }
  if (byId['lsm.apparmor-profiles']?.status === 'fail') {
    warnings.push({
      kind: 'info',
      message: 'AppArmor is active but confines nothing: no profiles are loaded. Installing the apparmor package (apparmor_parser and its service) loads the distribution\'s profiles, and lets Docker apply its docker-default profile to containers.',
    });
  }
  if (byId['lsm.selinux-enforcing']?.status === 'fail') {
    warnings.push({ kind: 'info', message: `SELinux is ${facts.selinux ?? 'not enforcing'}: \`setenforce 1\` enforces now, SELINUX=enforcing in /etc/selinux/config at boot.` });
  }
  if (facts.lockdown?.mode === 'none') {
    warnings.push({
      kind: 'info',
      message: 'Kernel lockdown is off (none). lockdown=integrity on the kernel command line keeps even root from changing the running kernel (unsigned modules, /dev/mem, kexec, hibernation); confidentiality also blocks reading kernel memory. Out-of-tree modules that are not signed (DKMS) stop loading.',
    });
  }
  if (cmdline.length > 0) {
    warnings.push({ kind: 'info', message: `The kernel command line switches protections off: ${cmdline.map((f) => `${f.param} (${f.what})`).join(', ')}. Remove them from the boot loader's configuration and reboot.` });
  }
  const failedConfig = config.filter((c) => c.status === 'fail');
  if (failedConfig.length > 0) {
    warnings.push({
      kind: 'info',
      message: `${failedConfig.length} build option(s) of this kernel are not as recommended (${failedConfig.map((c) => c.check.id).join(', ')}). They are fixed when the kernel is built: a newer or different distribution kernel may set them; some have a boot parameter (init_on_free=1, module.sig_enforce=1).`,
    });
  }
  warnings.push({
    kind: 'info',
    message: 'Changing the active LSMs or the lockdown mode means changing the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub and update-grub, or the APPEND line of extlinux.conf) and rebooting. Harden Lab shows the status but does not make that change for you.',
  });

  const passedConfig = config.filter((c) => c.status === 'pass').length;
  const countedConfig = config.filter((c) => c.status !== 'skip').length;
  const aa = facts.apparmor.profiles;
  const parts = [
    `LSMs: ${facts.lsms === null ? 'unknown' : facts.lsms.join(',') || 'none'}`,
    `lockdown: ${facts.lockdown?.mode ?? 'not available'}`,
    `AppArmor: ${has(facts, 'apparmor') ? `active, ${aa ? `${aa.enforce} of ${aa.total} profiles enforcing` : 'profiles unknown'}` : 'not active'}`,
    `SELinux: ${facts.selinux ?? 'not active'}`,
    facts.config ? `kernel config (${facts.config.source}): ${passedConfig} of ${countedConfig} hardening options as recommended` : 'kernel config: not readable',
    `command line: ${cmdline.length === 0 ? 'no protection switched off' : cmdline.map((f) => f.param).join(' ')}`,
  ];
  return {
    summary: `${parts.join('; ')}. Read-only: nothing to change here.`,
    files: [],
    commands: [],
    warnings,
    nothingToDo: true,
  };
}

export const lsmStep: StepDefinition<LsmFacts, Record<string, never>> = {
  id: 'lsm',
  title: 'LSM and kernel security status',
  summary: 'Which security modules run, the lockdown mode, AppArmor or SELinux, and how the kernel was built.',
  why: 'Containers are confined by the host kernel\'s security modules (AppArmor or SELinux profiles, seccomp, Yama) and protected by how that kernel was built. Knowing which of them are really on is the first step to choosing a hardening framework.',
  guideOrder: 60,
  readOnly: true,
  options: z.object({}).strict() as z.ZodType<Record<string, never>>,
  facts: [lsmState, kernelRelease],
  probe: probeLsm,
  plan: (facts) => planLsm(facts),
  async verify() {
    return [];
  },
  audit: (facts) => assessLsm(facts).checks,
};
