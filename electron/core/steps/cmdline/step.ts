import { z } from 'zod';
import { BOOT_LOADER_MARKERS, detectBootLoader } from '../../distro/boot/index';
import { parseCmdline } from '../../distro/boot/cmdline';
import type { AuditCheckDraft, StepDefinition, VerifyCheck } from '../../engine/step';
import { kernelRelease } from '../../facts/common';
import type { TargetProbeItem } from '../../engine/target';
import { defineFact, type Answers } from '../../facts/provider';
import { lsmFactsFrom, lsmState } from '../lsm/step';
import { optionFieldsFrom } from '../option-fields';
import { CMDLINE_SETTINGS, DEFAULT_SETTINGS, cmdlineSetting, type Effect } from './catalog';
import { formatSetting, holds, onByDefault, planCmdline, unsupported, type CmdlineData, type CmdlineFacts, type CmdlineOptions } from './plan';

/**
 * Kernel command-line hardening: the guide's "choose a kernel hardening
 * framework and apply it", for what the command line controls. Plan writes
 * the boot loader's change as a diff (distro/boot), the engine reboots, and
 * verify reads /proc/cmdline and each option's effect where there is one. A
 * command line that does not boot is a VM that does not come back: the
 * engine's deadline restores the snapshot, as for a kernel that does not boot.
 */
const settingId = z.string().refine((id) => cmdlineSetting(id) !== undefined, { message: `a setting of the cmdline step (${CMDLINE_SETTINGS.map((s) => s.id).join(', ')})` });

export const cmdlineOptions = z
  .object({
    settings: z.array(settingId).max(40).default([]),
    optIn: z.array(settingId.refine((id) => Boolean(cmdlineSetting(id)?.optIn), { message: 'an opt-in of the cmdline step' })).max(10).default([]),
  })
  .strict();

/** The boot loader's markers, then its files (the ones that say what the next boot is). */
export const cmdlineState = defineFact<Pick<CmdlineFacts, 'running' | 'arch' | 'loader' | 'files'>>({
  id: 'cmdline.state',
  commands: () => ({
    running: ['cat', '/proc/cmdline'],
    arch: ['uname', '-m'],
    markers: ['sh', '-c', 'for f in "$@"; do if [ -e "$f" ]; then echo "$f"; fi; done; true', 'sh', ...BOOT_LOADER_MARKERS],
  }),
  then(first) {
    const loader = detectBootLoader(markersOf(first));
    return loader ? Object.fromEntries(loader.reads.map((p, i) => [`file${i}`, ['cat', p]])) : undefined;
  },
  parse(first, second) {
    const loader = detectBootLoader(markersOf(first));
    return {
      running: (first.running?.stdout ?? '').trim(),
      arch: (first.arch?.stdout ?? '').trim(),
      loader: loader?.kind ?? null,
      files: Object.fromEntries((loader?.reads ?? []).map((p, i) => [p, second[`file${i}`]?.code === 0 ? second[`file${i}`]!.stdout : null])),
    };
  },
});

function markersOf(first: Answers): Record<string, boolean> {
  return Object.fromEntries((first.markers?.stdout ?? '').split('\n').filter(Boolean).map((p) => [p, true]));
}

/** What shows an option took effect, read after the reboot (as root: dmesg may be restricted). */
const EFFECTS: Record<Effect, { argv: string[]; name: string; ok: (out: string) => boolean }> = {
  vsyscall: { argv: ['sh', '-c', 'grep -c "\\[vsyscall\\]" /proc/self/maps; true'], name: 'No vsyscall page in a process (/proc/self/maps)', ok: (o) => o.trim() === '0' },
  debugfs: { argv: ['sh', '-c', 'if grep -qw debugfs /proc/filesystems; then echo registered; else echo absent; fi'], name: 'debugfs is not registered (/proc/filesystems)', ok: (o) => o.trim() === 'absent' },
  lockdown: { argv: ['cat', '/sys/kernel/security/lockdown'], name: 'Lockdown is on (/sys/kernel/security/lockdown)', ok: (o) => /\[(integrity|confidentiality)\]/.test(o) },
  'mem-auto-init-alloc': { argv: ['sh', '-c', 'dmesg | grep -m1 "mem auto-init"; true'], name: 'Allocations are zeroed (dmesg: heap alloc:on)', ok: (o) => /heap alloc:on/.test(o) },
  'mem-auto-init-free': { argv: ['sh', '-c', 'dmesg | grep -m1 "mem auto-init"; true'], name: 'Freed memory is wiped (dmesg: heap free:on)', ok: (o) => /heap free:on/.test(o) },
};

export const cmdlineStep: StepDefinition<CmdlineFacts, CmdlineOptions, CmdlineData> = {
  id: 'cmdline',
  title: 'Kernel command-line hardening',
  summary: 'Turn on what the kernel command line controls: zeroed and wiped memory, unmerged slabs, random page order and stack offsets, no vsyscall or debugfs; lockdown and signed modules as opt-ins.',
  why: 'Some of the kernel\'s own defences are switched on only at boot. They make the heap and the stack harder to predict and take away fixed addresses and debug interfaces that exploits lean on; every container on the host shares the kernel they protect.',
  guideOrder: 65,
  readOnly: false,
  options: cmdlineOptions,
  optionFields: optionFieldsFrom(cmdlineOptions, {
    settings: { label: 'Only these options', help: `Leave empty for the defaults (${DEFAULT_SETTINGS.map(formatSetting).join(', ')}) plus the opt-ins below.` },
    optIn: { label: 'Opt-ins', help: CMDLINE_SETTINGS.filter((s) => s.optIn).map((s) => `${formatSetting(s)}: ${s.optIn!.breaks}`).join('; ') },
  }),
  settings: {
    known: CMDLINE_SETTINGS.map((s) => ({ id: s.id, why: `${formatSetting(s)}: ${s.why}` })),
    explain: (id) => (cmdlineSetting(id) ? null : `"${id.slice(0, 60)}" is not an option of the cmdline step (known: ${CMDLINE_SETTINGS.map((s) => s.id).join(', ')}).`),
    select: (o, ids) => ({ ...o, settings: [...ids] }),
    planned: (draft) => (draft.data?.decisions ?? []).filter((d) => d.status === 'add').map((d) => d.id),
  },
  // update-grub or update-extlinux; the reboot has its own deadline in the engine.
  applyTimeoutMs: 10 * 60_000,

  facts: [cmdlineState, lsmState, kernelRelease],
  async probe(ctx) {
    const [state, lsm, release] = await Promise.all([ctx.facts.get(cmdlineState), ctx.facts.get(lsmState), ctx.facts.get(kernelRelease)]);
    const config = lsmFactsFrom(lsm).config;
    return { ...state, release, config: config ? new Map(Object.entries(config.values)) : null };
  },

  plan: (facts, options) => planCmdline(facts, options),

  async verify(draft, ctx): Promise<VerifyCheck[]> {
    const d = draft.data!;
    const effects = [...new Set(d.expected.map((id) => cmdlineSetting(id)?.effect).filter((e): e is Effect => Boolean(e)))];
    const commands: Record<string, readonly string[]> = { cmdline: ['cat', '/proc/cmdline'], ...Object.fromEntries(effects.map((e) => [e, EFFECTS[e].argv])) };
    const r: Record<string, TargetProbeItem | undefined> = await ctx.target.probe(commands, { elevate: true });
    const running = parseCmdline(r.cmdline?.stdout ?? '');
    const checks: VerifyCheck[] = d.expected.map((id) => {
      const s = cmdlineSetting(id)!;
      return { name: `/proc/cmdline has ${formatSetting(s)}`, ok: holds(s, running), evidence: `/proc/cmdline: ${(r.cmdline?.stdout ?? '').trim()}` };
    });
    for (const e of effects) checks.push({ name: EFFECTS[e].name, ok: EFFECTS[e].ok(r[e]?.stdout ?? ''), evidence: `${EFFECTS[e].argv.join(' ').slice(0, 80)}: ${(r[e]?.stdout ?? '').trim().slice(0, 200) || 'no output'}` });
    return checks;
  },

  audit(facts): AuditCheckDraft[] {
    const running = parseCmdline(facts.running);
    return DEFAULT_SETTINGS.map((s): AuditCheckDraft => {
      const id = `cmdline.${s.id}`;
      const title = `The kernel runs with ${formatSetting(s)}`;
      const why = unsupported(s, facts);
      if (why) return { id, title, status: 'skip', evidence: why };
      if (holds(s, running)) return { id, title, status: 'pass', evidence: `/proc/cmdline has ${s.key}` };
      if (onByDefault(s, running, facts.config)) return { id, title, status: 'pass', evidence: `on by the build default CONFIG_${s.defaultOn}=y` };
      return { id, title, status: 'fail', evidence: `/proc/cmdline: ${facts.running}`, ...(facts.loader ? {} : { byHand: 'add it to your boot loader\'s kernel command line and reboot' }) };
    });
  },
};
