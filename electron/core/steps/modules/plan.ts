import type { PlanWarning } from '../../../../shared/domain';
import type { DistroAdapter } from '../../distro/types';
import type { PlannedCommand, StepPlanDraft } from '../../engine/step';
import { HardenLabError } from '../../errors';
import { canonicalModule, isBlockingInstallCommand, isContainerModule, moduleForFsType, RECOMMENDED_NAMES, recommendedWhy } from './catalog';
import { isBuiltin, parseBlocklistFile, type BlocklistEntry, type DryRun, type LoadedModule, type ModinfoFacts, type ModprobeRule, type Mount } from './parse';

/**
 * The modules step's decisions, pure: which modules to block, which to leave
 * alone and why, the one modprobe.d file, and the commands around it.
 *
 * A module is never blocked when
 *   - containers need it (catalog.ts), or a container module loads it as a dependency,
 *   - it is loaded and something holds it (reference count > 0),
 *   - a mounted file system is of its type,
 *   - it is built into the kernel (modprobe cannot stop what is not a module).
 * Asked for by name, such a module is refused (BAD_INPUT); in the recommended
 * set it is left out with a note. A recommended module that this kernel does
 * not have is blocked anyway: the block then holds for a later kernel (a
 * kernel upgrade or another flavour) that brings it back.
 */
export interface CandidateFacts {
  /** Canonical name (underscores). */
  name: string;
  /** null when modinfo does not know the module: not in this kernel. */
  info: ModinfoFacts | null;
  /** `modprobe -D` now: what a load would do, whether or not the module is loaded. */
  dryRun: DryRun;
}

export interface ModulesFacts {
  kernelRelease: string;
  loaded: LoadedModule[];
  mounts: Mount[];
  containers: { installed: string[]; running: string[] };
  /** `modprobe --version` (kmod), or busybox's usage text. */
  modprobeVersion: string;
  /** The package that brings a modprobe honouring `install` lines; null when the one present does. */
  kmodPackage: string | null;
  /** Our file's content, null when absent. */
  ourFile: string | null;
  ourPath: string;
  /** install/blacklist lines of every modprobe.d file. */
  rules: ModprobeRule[];
  /** The recommended modules, and any other names looked up. */
  candidates: Record<string, CandidateFacts>;
  /** Modules that container storage and networking pull in as dependencies. */
  containerDeps: string[];
  /** kernel.modules_disabled; null when unreadable. */
  modulesDisabled: boolean | null;
}

export interface ModulesOptions {
  /** Explicit modules to block; empty means the recommended set. */
  modules: string[];
  unloadNow: boolean;
  disableLoading: boolean;
  installKmod: boolean;
}

export interface ModulesData {
  path: string;
  /** Every module the file blocks after apply. */
  blocked: string[];
  /** Modules unloaded by the plan's commands. */
  unload: string[];
  disableLoading: boolean;
  /** Whether `modprobe -n -v` can prove the blocks after apply (kmod present or installed by the plan). */
  provable: boolean;
}

export type Refusal = 'unknown' | 'container' | 'in-use' | 'mounted' | 'builtin';

export interface ModuleDecision {
  module: string;
  block: boolean;
  refusal?: Refusal;
  /** Why, in words (for warnings, errors, the file's notes). */
  reason: string;
}

/** Held by another module, a mount or a socket (use count), or driving a device. */
export function inUse(m: LoadedModule): boolean {
  return m.useCount > 0 || m.usedBy.length > 0 || m.devices.length > 0;
}

function describeUse(m: LoadedModule): string {
  const parts: string[] = [];
  if (m.usedBy.length > 0) parts.push(`used by ${m.usedBy.join(', ')}`);
  else if (m.useCount > 0) parts.push(`held ${Number.isFinite(m.useCount) ? `${m.useCount} time${m.useCount === 1 ? '' : 's'}` : '(this kernel cannot unload modules)'}`);
  if (m.devices.length > 0) parts.push(`drives ${m.devices.join(', ')}`);
  return parts.join('; ');
}

/** Decides for one module; pure. */
export function decideModule(name: string, facts: ModulesFacts, explicit: boolean): ModuleDecision {
  const module = canonicalModule(name);
  const cand = facts.candidates[module];
  const known = RECOMMENDED_NAMES.includes(module);
  if (isContainerModule(module)) return { module, block: false, refusal: 'container', reason: `${module} is needed by containers (storage or networking)` };
  if (facts.containerDeps.includes(module)) return { module, block: false, refusal: 'container', reason: `${module} is loaded by container networking or storage modules as a dependency` };
  const loaded = facts.loaded.find((m) => m.name === module);
  if (loaded && inUse(loaded)) return { module, block: false, refusal: 'in-use', reason: `${module} is loaded and in use (${describeUse(loaded)})` };
  const mount = facts.mounts.find((m) => moduleForFsType(m.fsType) === module);
  if (mount) return { module, block: false, refusal: 'mounted', reason: `${module} serves the file system mounted at ${mount.mountPoint}` };
  if (isBuiltin(cand?.info ?? null)) return { module, block: false, refusal: 'builtin', reason: `${module} is built into the kernel ${facts.kernelRelease}: modprobe cannot stop it` };
  if (!cand?.info && !loaded) {
    if (explicit && !known) return { module, block: false, refusal: 'unknown', reason: `${module} is not a module of the kernel ${facts.kernelRelease}` };
    return { module, block: true, reason: `not in the kernel ${facts.kernelRelease}; blocked for a later kernel that has it` };
  }
  return { module, block: true, reason: loaded ? 'loaded, unused' : 'loadable' };
}

export const FILE_HEADER = `# Harden Lab: kernel modules this host does not need, blocked from loading.
#
# "install M /bin/false" makes every attempt to load M run /bin/false instead,
# so it fails: modprobe by hand, the kernel loading M on demand (mounting a
# file system, opening a socket of a protocol), or M as a dependency of
# another module. "blacklist M" also keeps udev from loading M for a device.
# Busybox modprobe ignores "install" lines: there, kmod must be installed.
#
# Written by the "modules" step. To allow a module again, delete its lines,
# then regenerate the initramfs (update-initramfs -u, or mkinitfs on Alpine).
`;

export function renderBlocklist(entries: readonly BlocklistEntry[]): string {
  const blocks = entries.map((e) => `${e.note ? `# ${e.module}: ${e.note}\n` : ''}install ${e.module} /bin/false\nblacklist ${e.module}\n`);
  return `${FILE_HEADER}\n${blocks.join('\n')}`;
}

function noteFor(module: string, facts: ModulesFacts): string {
  return recommendedWhy(module) ?? (facts.candidates[module]?.info?.description || 'blocked on request');
}

function list(names: readonly string[]): string {
  return names.join(', ');
}

export interface ModulesChoice {
  explicit: boolean;
  decisions: ModuleDecision[];
  /** What our file already blocks. */
  existing: BlocklistEntry[];
  /** Our file after the plan: what it blocked, then the new ones. */
  entries: BlocklistEntry[];
  /** Loaded, unused and blocked: unloaded now when the options say so. */
  unload: string[];
  /** Loaded, unused and blocked, whatever the options say. */
  loadedUnused: string[];
  /** Whether the plan installs kmod so that the install lines are honoured. */
  installKmod: boolean;
}

/** What the plan blocks, unloads and installs for these options; pure, and what the audit asks too. */
export function chooseModules(facts: ModulesFacts, options: ModulesOptions): ModulesChoice {
  const explicit = options.modules.length > 0;
  const requested = [...new Set((explicit ? options.modules : RECOMMENDED_NAMES).map(canonicalModule))];
  const decisions = requested.map((m) => decideModule(m, facts, explicit));
  // Our file keeps what it already blocks (a narrower request never unblocks), then adds the new ones.
  const existing = parseBlocklistFile(facts.ourFile);
  const entries: BlocklistEntry[] = [...existing];
  for (const d of decisions.filter((x) => x.block)) {
    if (!entries.some((e) => e.module === d.module)) entries.push({ module: d.module, note: noteFor(d.module, facts) });
  }
  const loadedUnused = entries.map((e) => e.module).filter((m) => facts.loaded.some((l) => l.name === m && !inUse(l)));
  return { explicit, decisions, existing, entries, loadedUnused, unload: options.unloadNow ? loadedUnused : [], installKmod: facts.kmodPackage !== null && options.installKmod };
}

export function planModules(facts: ModulesFacts, options: ModulesOptions, distro: Pick<DistroAdapter, 'regenerateInitramfs' | 'install' | 'refreshIndex'>): StepPlanDraft<ModulesData> {
  const { explicit, decisions, existing, entries, loadedUnused, unload, installKmod } = chooseModules(facts, options);
  const warnings: PlanWarning[] = [];

  const unknown = decisions.filter((d) => d.refusal === 'unknown');
  if (unknown.length > 0) {
    throw new HardenLabError('BAD_INPUT', `Unknown module${unknown.length > 1 ? 's' : ''} for the kernel ${facts.kernelRelease}: ${list(unknown.map((d) => d.module))}.`, {
      hint: 'Use names as lsmod or modinfo show them. Nothing was changed.',
    });
  }
  const refused = decisions.filter((d) => d.refusal);
  if (explicit && refused.length > 0) {
    throw new HardenLabError('BAD_INPUT', `These modules cannot be blocked: ${refused.map((d) => d.reason).join('; ')}.`, {
      hint: 'Blocking them would break something that runs now or that containers need. Nothing was changed.',
    });
  }
  if (refused.length > 0) warnings.push({ kind: 'info', message: `Left out of the recommended set: ${refused.map((d) => d.reason).join('; ')}.` });

  const blocked = entries.map((e) => e.module);
  const after = entries.length > 0 ? renderBlocklist(entries) : null;
  const fileChanges = after !== null && after !== facts.ourFile;

  const absent = decisions.filter((d) => d.block && !facts.candidates[d.module]?.info && !facts.loaded.some((l) => l.name === d.module)).map((d) => d.module);
  if (absent.length > 0 && fileChanges) {
    warnings.push({ kind: 'info', message: `Not in the kernel ${facts.kernelRelease}: ${list(absent)}. They are blocked anyway, for a later kernel that has them.` });
  }

  // An install line read before ours wins (kmod keeps the first one it finds).
  for (const r of facts.rules) {
    if (r.kind === 'install' && blocked.includes(r.module) && r.file !== facts.ourPath && !isBlockingInstallCommand(r.command ?? '')) {
      warnings.push({ kind: 'info', message: `${r.file}:${r.line} already says "install ${r.module} ${r.command}". modprobe uses the first install line it reads, so ${r.module} may still load; remove that line.` });
    }
  }

  const commands: PlannedCommand[] = [];
  const needsKmod = facts.kmodPackage !== null;
  if (needsKmod && !installKmod && blocked.length > 0) {
    warnings.push({
      kind: 'info',
      message: `This VM's modprobe is busybox's, which ignores "install" lines: only the "blacklist" lines will hold, and they stop loading for a device but not \`modprobe M\` or a mount. Install ${facts.kmodPackage} to make the blocks real.`,
    });
  }
  if (installKmod) {
    commands.push({ argv: distro.refreshIndex(), elevated: true, why: 'Fetch the package index before installing kmod.', timeoutMs: 5 * 60_000 });
    commands.push({ argv: distro.install([facts.kmodPackage!]), elevated: true, why: 'Busybox modprobe ignores "install M /bin/false"; the kmod modprobe honours it.', timeoutMs: 5 * 60_000 });
    warnings.push({ kind: 'needs-network', message: `${facts.kmodPackage} is installed from the distribution's package mirror.` });
  }
  if (fileChanges) {
    commands.push({
      argv: distro.regenerateInitramfs(),
      elevated: true,
      why: 'The initramfs carries its own copy of modprobe.d for early boot; regenerate it so the blocks hold there too.',
      timeoutMs: 15 * 60_000,
    });
  }

  for (const m of unload) {
    // Optional: the module may be taken between plan and apply; verify then reports it still loaded.
    commands.push({ argv: ['modprobe', '-r', m], elevated: true, why: `Unload ${m} now; the file keeps it from coming back.`, optional: true });
  }
  if (!options.unloadNow && loadedUnused.length > 0) {
    warnings.push({ kind: 'info', message: `${list(loadedUnused)} stay${loadedUnused.length === 1 ? 's' : ''} loaded until the next reboot.` });
  }

  const disable = options.disableLoading && facts.modulesDisabled !== true;
  if (disable) {
    commands.push({
      argv: ['sysctl', '-w', 'kernel.modules_disabled=1'],
      elevated: true,
      why: 'Freeze the set of loaded modules: from now until reboot no module can be loaded or unloaded. Not written to sysctl.d, so the next boot loads its drivers as usual.',
    });
    warnings.push({
      kind: 'until-reboot',
      message: 'kernel.modules_disabled=1 holds only until the next boot, on purpose (it is not written to sysctl.d): the reboot proof does not count it.',
    });
    warnings.push({
      kind: 'irreversible-until-reboot',
      message: 'kernel.modules_disabled=1 cannot be undone without a reboot: until then no module can be loaded or unloaded, not even by root (a new USB device, file system or network feature will not work).',
    });
    const containers = [...facts.containers.installed, ...facts.containers.running];
    warnings.push(
      containers.length > 0
        ? { kind: 'breaks-docker', message: `${[...new Set(containers)].join(', ')} may need modules later (bridge, veth, overlay, netfilter for a new network or a published port); with loading disabled those fail until reboot.` }
        : { kind: 'info', message: 'Anything installed later that needs a kernel module (Docker networking, for one) fails until the next reboot.' },
    );
  }

  const nothingToDo = !fileChanges && commands.length === 0;
  const added = blocked.filter((m) => !existing.some((e) => e.module === m));
  const summary = nothingToDo
    ? blocked.length > 0
      ? `Already blocked: ${list(blocked)}.`
      : 'No module to block.'
    : [
        fileChanges ? (added.length > 0 ? `Block ${list(added)} in ${facts.ourPath}` : `Rewrite ${facts.ourPath}`) + ' and regenerate the initramfs' : '',
        installKmod ? `install ${facts.kmodPackage}` : '',
        unload.length > 0 ? `unload ${list(unload)} now` : '',
        disable ? 'disable module loading until reboot' : '',
      ]
        .filter(Boolean)
        .join('; ')
        .replace(/^./, (c) => c.toUpperCase()) + '.';

  return {
    summary,
    files: fileChanges ? [{ path: facts.ourPath, before: facts.ourFile, after, mode: '0644' }] : [],
    commands,
    ...(installKmod ? { packages: { install: [facts.kmodPackage!], remove: [] } } : {}),
    warnings,
    nothingToDo,
    data: { path: facts.ourPath, blocked, unload, disableLoading: options.disableLoading, provable: !needsKmod || installKmod },
  };
}
