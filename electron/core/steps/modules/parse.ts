import { canonicalModule, isBlockingInstallCommand } from './catalog';

/**
 * Parsers for what the VM prints about its modules. Pure, tested on output
 * recorded from the lab VM (kmod) and on the kernel's own formats, which
 * busybox systems share.
 */

export interface LoadedModule {
  name: string;
  /** Bytes of kernel memory. */
  size: number;
  /** The kernel's reference count; > 0 means something holds the module (another module, a mount, a socket). */
  useCount: number;
  /** Modules that depend on this one (the "Used by" column of lsmod). */
  usedBy: string[];
  /**
   * Devices bound to the module's drivers (/sys/module/M/drivers/*). A driver
   * serving a device (virtio_net for eth0, virtio_pci under the disk) often
   * has a use count of 0, yet unloading it takes the device away.
   */
  devices: string[];
  /** `modinfo -F description`, '' when the module has none. */
  description: string;
}

/**
 * /proc/modules, which lsmod formats: "name size refcount users, state address".
 * users is "-" or "a,b,"; refcount is "-" on kernels that cannot unload modules
 * (then every module counts as in use).
 */
export function parseProcModules(text: string): Array<Omit<LoadedModule, 'description' | 'devices'>> {
  const out: Array<Omit<LoadedModule, 'description' | 'devices'>> = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !/^\d+$/.test(f[1]!)) continue;
    const users = f[3] === '-' ? [] : f[3]!.split(',').filter(Boolean);
    out.push({ name: f[0]!, size: Number(f[1]), useCount: /^\d+$/.test(f[2]!) ? Number(f[2]) : Number.POSITIVE_INFINITY, usedBy: users });
  }
  return out;
}

/** "name<TAB>description" lines, as the description loop of the probe prints them. */
export function parseDescriptions(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    map.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  return map;
}

/** "module<TAB>device" lines, one per device bound to one of the module's drivers. */
export function parseBoundDevices(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [module, device] = line.trim().split('\t');
    if (!module || !device) continue;
    map.set(module, [...(map.get(module) ?? []), device]);
  }
  return map;
}

export interface Mount {
  device: string;
  mountPoint: string;
  fsType: string;
}

/** /proc/mounts: "device mountpoint type options dump pass" (spaces in paths are \040). */
export function parseMounts(text: string): Mount[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3)
    .map((f) => ({ device: f[0]!, mountPoint: f[1]!.replace(/\\040/g, ' '), fsType: f[2]! }));
}

export interface ModinfoFacts {
  /** Path of the .ko file, "(builtin)" when compiled into the kernel. */
  filename: string;
  description: string;
}

/** Full `modinfo M` output ("field:   value" lines); null when modinfo did not find the module. */
export function parseModinfo(code: number, text: string): ModinfoFacts | null {
  if (code !== 0) return null;
  let filename = '';
  let description = '';
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'filename' && !filename) filename = m[2]!.trim();
    if (m[1] === 'description' && !description) description = m[2]!.trim();
  }
  return filename ? { filename, description } : null;
}

export interface ModuleIndex {
  /** Module -> every module it needs (modules.dep lists the whole closure), by canonical name. */
  deps: Map<string, string[]>;
  /** Modules compiled into the kernel (modules.builtin). */
  builtin: Set<string>;
}

function moduleFromPath(path: string): string {
  return canonicalModule(path.split('/').pop()!.replace(/\.ko(?:\.\w+)?$/, ''));
}

/**
 * /lib/modules/RELEASE/modules.dep ("kernel/net/sctp/sctp.ko: dep.ko dep.ko")
 * and modules.builtin (one path a line), which depmod writes for kmod and
 * busybox alike: which modules this kernel has, in two reads instead of a
 * modinfo per module.
 */
export function parseModuleIndex(depText: string, builtinText: string): ModuleIndex {
  const deps = new Map<string, string[]>();
  for (const line of depText.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    deps.set(moduleFromPath(line.slice(0, colon)), line.slice(colon + 1).trim().split(/\s+/).filter(Boolean).map(moduleFromPath));
  }
  const builtin = new Set(builtinText.split('\n').map((l) => l.trim()).filter(Boolean).map(moduleFromPath));
  return { deps, builtin };
}

/** What the index says about one module, in modinfo's terms. */
export function indexInfo(index: ModuleIndex, module: string): ModinfoFacts | null {
  if (index.builtin.has(module)) return { filename: '(builtin)', description: '' };
  return index.deps.has(module) ? { filename: module, description: '' } : null;
}

export function isBuiltin(info: ModinfoFacts | null): boolean {
  return info?.filename === '(builtin)';
}

export interface DryRun {
  /** The install command modprobe would run instead of loading, if any. */
  install: string | null;
  /** Modules modprobe would insert, in order (dependencies first). */
  loads: string[];
}

/**
 * `modprobe -n -v M` or `modprobe -D M` (kmod): "insmod /lib/modules/.../x.ko[.xz]"
 * per module it would insert, or "install CMD" when a config line replaces the
 * load. -n -v prints nothing for a module that is already loaded; -D shows
 * the decision anyway. Both print nothing for a built-in module.
 */
export function parseDryRun(stdout: string): DryRun {
  let install: string | null = null;
  const loads: string[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('install ')) install ??= line.slice('install '.length).trim();
    const m = /^insmod\s+(\S+)/.exec(line);
    if (m) loads.push(moduleFromPath(m[1]!));
  }
  return { install, loads };
}

/** Whether a dry run shows that loading is refused by a config line. */
export function dryRunBlocks(d: DryRun): boolean {
  return d.install !== null && isBlockingInstallCommand(d.install);
}

export interface ModprobeRule {
  file: string;
  line: number;
  kind: 'install' | 'blacklist';
  module: string;
  /** The command of an install line. */
  command?: string;
}

/** `grep -Hn` output of install/blacklist lines: "FILE:LINE:TEXT". */
export function parseModprobeRules(text: string): ModprobeRule[] {
  const rules: ModprobeRule[] = [];
  for (const raw of text.split('\n')) {
    const m = /^(.+?):(\d+):\s*(install|blacklist)\s+(\S+)\s*(.*)$/.exec(raw);
    if (!m) continue;
    rules.push({
      file: m[1]!,
      line: Number(m[2]),
      kind: m[3] as 'install' | 'blacklist',
      module: canonicalModule(m[4]!),
      ...(m[3] === 'install' ? { command: m[5]!.trim() } : {}),
    });
  }
  return rules;
}

export interface BlocklistEntry {
  module: string;
  /** The comment line above the entry, without "# ". */
  note: string;
}

/**
 * The modules our own file blocks (in its order), with the note written above
 * each. A module counts when the file has its install line; notes are kept
 * so re-planning reproduces the file byte for byte.
 */
export function parseBlocklistFile(text: string | null): BlocklistEntry[] {
  if (!text) return [];
  const entries: BlocklistEntry[] = [];
  const seen = new Set<string>();
  let last: { module: string; note: string } | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const comment = /^#\s*([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    if (comment) {
      last = { module: canonicalModule(comment[1]!), note: comment[2]!.trim() };
      continue;
    }
    const install = /^install\s+(\S+)\s+/.exec(line);
    if (install) {
      const module = canonicalModule(install[1]!);
      if (!seen.has(module)) {
        seen.add(module);
        entries.push({ module, note: last?.module === module ? last.note : '' });
      }
    }
  }
  return entries;
}
