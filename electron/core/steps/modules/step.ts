import { z } from 'zod';
import { explainInvalidName } from '../../../../shared/names';
import type { AuditCheckDraft, StepDefinition, VerifyCheck } from '../../engine/step';
import type { TargetProbeItem } from '../../engine/target';
import { BLOCKED_DRY_RUN_LINE, RECOMMENDED_MODULES, RECOMMENDED_NAMES, canonicalModule, isContainerModule } from './catalog';
import type { Proof } from '../../../../shared/domain';
import { dryRunBlocks, isBuiltin, parseDryRun, parseProcModules } from './parse';
import { chooseModules, inUse, planModules, type ModulesData, type ModulesFacts, type ModulesOptions } from './plan';
import { lookupModules, MODULES_FACTS, probeModules } from './probe';
import { optionFieldsFrom } from '../option-fields';

export { loadedModules } from './probe';
export type { LoadedModule } from './parse';

/**
 * Minimal kernel modules: one modprobe.d file that makes the kernel refuse
 * the modules a container host does not need (install M /bin/false +
 * blacklist M), the initramfs regenerated so early boot agrees, the unused
 * ones unloaded now, and optionally kernel.modules_disabled=1 (no loading
 * at all until reboot). The decisions are in plan.ts; this file is the step
 * around them: options, the extra lookup of explicit names, verify, audit.
 */
// NAME_PATTERNS.module (shared/names.ts) before anything else: a name with shell metacharacters never reaches the VM.
const moduleName = z.string().superRefine((v, ctx) => {
  const bad = explainInvalidName('module', v);
  if (bad) ctx.addIssue({ code: 'custom', message: bad });
});

export const modulesOptions = z
  .object({
    /** Modules to block instead of the recommended set (empty: the recommended set). */
    modules: z.array(moduleName).max(64).default([]),
    /** Unload the loaded, unused ones now (optional commands: a busy module is reported, not forced). */
    unloadNow: z.boolean().default(true),
    /** kernel.modules_disabled=1: no module loads or unloads until reboot. */
    disableLoading: z.boolean().default(false),
    /** On busybox-only systems (Alpine), install kmod so the install lines are honoured. */
    installKmod: z.boolean().default(true),
  })
  .strict();

/** The options the audit judges by: the defaults, which is what the audit's Fix link plans with. */
const AUDITED_OPTIONS: ModulesOptions = modulesOptions.parse({});

export const modulesStep: StepDefinition<ModulesFacts, ModulesOptions, ModulesData> = {
  id: 'modules',
  title: 'Minimal kernel modules',
  summary: 'Keep the kernel from loading file systems and network protocols this host does not need.',
  why: 'Containers share the host kernel, and a process in a container can make it load a module: mounting an image of an odd file system or opening a socket of a rare protocol is enough. Old, little-used modules (cramfs, hfs, dccp, sctp, rds, tipc) are where kernel bugs hide. Blocking them shrinks what an attacker can reach; modules that containers need (overlay, bridge, veth, netfilter) stay.',
  guideOrder: 50,
  readOnly: false,
  options: modulesOptions,
  optionFields: optionFieldsFrom(modulesOptions, {
    modules: {
      label: 'Modules to block',
      help: `Leave empty for the recommended set: ${RECOMMENDED_NAMES.join(', ')}. Modules that are in use, mounted, built in or needed by containers are refused.`,
    },
    unloadNow: { label: 'Unload them now', help: 'Unload the blocked modules that are loaded and unused, instead of waiting for a reboot.' },
    disableLoading: {
      label: 'Disable module loading until reboot',
      help: 'kernel.modules_disabled=1: from now on no module can be loaded or unloaded, by anyone, until the next reboot. Docker may need modules later.',
    },
    installKmod: { label: 'Install kmod where modprobe is busybox', help: 'Busybox modprobe (Alpine) ignores install lines; kmod honours them.' },
  }),
  // update-initramfs under software emulation takes minutes.
  settings: {
    known: RECOMMENDED_MODULES.map((m) => ({ id: m.name, why: `Block ${m.name}: ${m.why}.` })),
    explain: (id) => explainInvalidName('module', id) ?? (isContainerModule(id) ? `"${id}" is a module containers need; the modules step never blocks it.` : null),
    select: (o, ids) => ({ ...o, modules: [...ids] }),
    planned: (draft) => [...(draft.data?.blocked ?? [])],
  },
  applyTimeoutMs: 20 * 60_000,
  // The block list lives in modprobe.d and the initramfs, both read at boot: the reboot proof shows a module stays out.
  proveRebootByDefault: true,

  facts: MODULES_FACTS,
  probe: (ctx) => probeModules(ctx.facts),

  async plan(facts, options, ctx) {
    const names = [...new Set(options.modules.map(canonicalModule))].filter((m) => !(m in facts.candidates));
    const extra = await lookupModules(ctx.target, names);
    return planModules({ ...facts, candidates: { ...facts.candidates, ...extra } }, options, ctx.distro);
  },

  async verify(draft, ctx): Promise<VerifyCheck[]> {
    const d = draft.data!;
    const planned = draft.files.find((f) => f.path === d.path);
    const first = await ctx.target.probe({ file: ['cat', d.path], modules: ['cat', '/proc/modules'] }, { elevate: true });
    const loaded = new Map(parseProcModules(first.modules.stdout).map((m) => [m.name, m]));
    // -n -v is the plain dry run; it prints nothing for a module that is loaded, so those are asked with -D.
    const dryArgv = (m: string) => (loaded.has(m) ? ['modprobe', '-D', m] : ['modprobe', '-n', '-v', m]);
    const commands: Record<string, readonly string[]> = {
      ...(d.provable ? Object.fromEntries(d.blocked.map((m) => [`dry:${m}`, dryArgv(m)])) : {}),
      disabled: ['cat', '/proc/sys/kernel/modules_disabled'],
      version: ['sh', '-c', 'modprobe --version 2>&1; true'],
      ...(planned ? { initrd: ['sh', '-c', 'for f in /boot/initrd.img-* /boot/initramfs-*; do [ -f "$f" ] || continue; if [ "$f" -nt "$1" ]; then echo "newer $f"; else echo "older $f"; fi; done; true', 'sh', d.path] } : {}),
    };
    const second: Record<string, TargetProbeItem | undefined> = await ctx.target.probe(commands, { elevate: true });
    const checks: VerifyCheck[] = [];
    if (planned) {
      const ok = first.file.code === 0 && first.file.stdout === planned.after;
      checks.push({ name: `${d.path} is in place`, ok, evidence: ok ? `${d.blocked.length} modules blocked` : first.file.code === 0 ? 'the file differs from the plan' : 'the file is missing' });
      const initrds = (second.initrd?.stdout ?? '').split('\n').filter(Boolean);
      const stale = initrds.filter((l) => l.startsWith('older '));
      checks.push({
        name: 'The initramfs was regenerated after the change',
        ok: stale.length === 0,
        evidence: initrds.length === 0 ? 'no initramfs in /boot (the kernel boots without one)' : initrds.map((l) => l.replace(/^newer /, 'newer than the file: ').replace(/^older /, 'OLDER than the file: ')).join('; '),
      });
    }
    if (d.provable) {
      const kmod = /kmod version/i.test((second.version?.stdout ?? ''));
      checks.push({ name: 'modprobe is kmod, which honours install lines', ok: kmod, evidence: (second.version?.stdout ?? '').trim().split('\n')[0] ?? '' });
      for (const m of d.blocked) {
        const r = second[`dry:${m}`];
        const dry = parseDryRun(r?.stdout ?? '');
        const how = dryArgv(m).join(' ');
        checks.push({ name: `${m} cannot be loaded`, ok: dryRunBlocks(dry), evidence: `${how}: ${r?.stdout.trim() || `no output (exit ${r?.code})`}` });
      }
    }
    for (const m of d.unload) {
      const l = loaded.get(m);
      checks.push({ name: `${m} is no longer loaded`, ok: !l, evidence: l ? `still in /proc/modules (held ${l.useCount}, used by ${l.usedBy.join(', ') || 'nothing named'})` : 'not in /proc/modules' });
    }
    if (d.disableLoading) {
      const v = (second.disabled?.stdout ?? '').trim();
      checks.push({ name: 'kernel.modules_disabled is 1', ok: v === '1', evidence: `kernel.modules_disabled = ${v || '?'}`, untilReboot: true });
    }
    return checks;
  },

  // The dry run verify reads, chosen on the host itself: -n -v prints nothing for a module that is loaded, so those are asked with -D.
  proofs: (draft): Proof[] =>
    draft.data?.provable
      ? draft.data.blocked.map((m) => ({
          name: `${m} cannot be loaded`,
          argv: ['sh', '-c', 'if grep -q "^$1 " /proc/modules; then exec modprobe -D "$1"; fi; exec modprobe -n -v "$1"', 'sh', m],
          elevated: true,
          expect: { kind: 'match', pattern: BLOCKED_DRY_RUN_LINE },
        }))
      : [],

  audit(facts): AuditCheckDraft[] {
    // Judged by what the plan with the default options (the audit's Fix link) would do on this host:
    // a module that plan leaves alone is not applicable (built in, needed by containers) or left to the operator (in use).
    const fix = chooseModules(facts, AUDITED_OPTIONS);
    const fixBlocks = new Set(fix.entries.map((e) => e.module));
    const checks: AuditCheckDraft[] = [];
    const busybox = facts.kmodPackage !== null;
    for (const m of RECOMMENDED_NAMES) {
      const c = facts.candidates[m];
      const id = `modules.blacklisted.${m}`;
      const title = `${m} cannot be loaded`;
      const loaded = facts.loaded.find((l) => l.name === m);
      const decision = fix.decisions.find((d) => d.module === m);
      if (c && dryRunBlocks(c.dryRun)) {
        checks.push({ id, title, status: 'pass', evidence: `modprobe -D ${m}: install ${c.dryRun.install}` });
      } else if (!c?.info && !loaded) {
        checks.push({ id, title, status: 'skip', evidence: `not a module of ${facts.kernelRelease} (modinfo: not found)` });
      } else if (isBuiltin(c?.info ?? null)) {
        checks.push({ id, title, status: 'skip', evidence: `built into ${facts.kernelRelease}: modprobe cannot block it` });
      } else if (!fixBlocks.has(m) && decision?.refusal === 'container') {
        checks.push({ id, title, status: 'skip', evidence: `left alone: ${decision.reason}` });
      } else if (!fixBlocks.has(m)) {
        checks.push({ id, title, status: 'fail', evidence: `${decision?.reason ?? `${m} is not blocked`}, so the step leaves it alone`, byHand: `stop what uses ${m} (unmount its file system, close its sockets), then plan the "modules" step again` });
      } else if (busybox) {
        const rules = facts.rules.filter((r) => r.module === m).map((r) => `${r.file}:${r.line} ${r.kind}`);
        checks.push({ id, title, status: 'fail', evidence: `modprobe is busybox, which ignores install lines${rules.length ? ` (${rules.join(', ')})` : ''}: ${facts.kmodPackage} is needed` });
      } else {
        checks.push({ id, title, status: 'fail', evidence: `modprobe -D ${m}: ${c?.dryRun.loads.length ? c.dryRun.loads.map((x) => `insmod ${x}`).join(', ') : 'loads it'}` });
      }
    }
    const unneeded = facts.loaded.filter((l) => RECOMMENDED_NAMES.includes(l.name));
    const staying = unneeded.filter((l) => !fix.unload.includes(l.name));
    checks.push({
      id: 'modules.loaded-unneeded',
      title: 'None of the rarely needed modules is loaded',
      status: unneeded.length === 0 ? 'pass' : 'fail',
      evidence:
        unneeded.length === 0
          ? `lsmod: none of ${RECOMMENDED_NAMES.join(', ')}`
          : `lsmod: ${unneeded.map((l) => `${l.name} (${l.size} bytes, ${l.usedBy.length ? `used by ${l.usedBy.join(',')}` : `use count ${l.useCount}`})`).join('; ')}`,
      ...(staying.length > 0
        ? { byHand: `${staying.map((l) => l.name).join(', ')} ${staying.length === 1 ? 'is' : 'are'} ${staying.some(inUse) ? 'in use' : 'left loaded'}, which the step does not unload: stop what uses ${staying.length === 1 ? 'it' : 'them'}, then unload with modprobe -r or reboot` }
        : {}),
    });
    return checks;
  },
};
