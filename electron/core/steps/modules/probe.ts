import type { DistroAdapter } from '../../distro/types';
import type { Target, TargetProbeItem } from '../../engine/target';
import { HardenLabError } from '../../errors';
import type { Facts } from '../../facts/cache';
import { containerRuntimes, kernelRelease, sharedFactsFrom } from '../../facts/common';
import { defineFact, type FactProvider } from '../../facts/provider';
import { CONTAINER_ROOT_MODULES, OUR_FILE_NAME, RECOMMENDED_NAMES, canonicalModule } from './catalog';
import { indexInfo, parseBoundDevices, parseDescriptions, parseDryRun, parseModinfo, parseModprobeRules, parseModuleIndex, parseMounts, parseProcModules, type LoadedModule } from './parse';
import type { CandidateFacts, ModulesFacts } from './plan';

/**
 * The I/O side of the modules step: every fact in one probe round trip
 * (elevated, because modprobe and modinfo live in sbin, outside a normal
 * user's PATH). The scripts below are constant text: module names reach
 * them only as separate argv words, never inside the script.
 */

// One modinfo per loaded module, in one channel; "name<TAB>first line of the description".
const DESCRIPTIONS_SCRIPT = 'while read -r name _; do printf "%s\\t%s\\n" "$name" "$(modinfo -F description "$name" 2>/dev/null | head -n 1)"; done < /proc/modules';

// Devices bound to each loaded module's drivers: the symlinks in /sys/module/M/drivers/BUS:DRIVER/, but "module".
const DEVICES_SCRIPT =
  'while read -r name _; do for d in /sys/module/"$name"/drivers/*; do [ -d "$d" ] || continue; for x in "$d"/*; do [ -L "$x" ] || continue; n=${x##*/}; [ "$n" = module ] && continue; printf "%s\\t%s\\n" "$name" "$n"; done; done; done < /proc/modules';

const MODPROBE_DIRS = ['/etc/modprobe.d', '/run/modprobe.d', '/usr/local/lib/modprobe.d', '/lib/modprobe.d', '/usr/lib/modprobe.d'];
// A file name seen in an earlier directory hides the same name in later ones, as kmod reads them (/etc first).
const RULES_SCRIPT =
  'seen=" "; for d in "$@"; do for f in "$d"/*.conf; do [ -f "$f" ] || continue; b=${f##*/}; case "$seen" in *" $b "*) continue ;; esac; seen="$seen$b "; grep -Hn -E "^[[:space:]]*(install|blacklist)[[:space:]]" "$f"; done; done; true';


export function ourPath(distro: Pick<DistroAdapter, 'modprobeDir'>): string {
  return `${distro.modprobeDir}/${OUR_FILE_NAME}`;
}

function dryRunCommands(names: readonly string[]): Record<string, string[]> {
  // -D (show depends) reports the install line or the insmod list even for a loaded module, where -n -v prints nothing.
  return Object.fromEntries(names.map((m) => [`dry:${m}`, ['modprobe', '-D', m]]));
}

function mergeModuleFacts(raw: string, descText: string, devicesText: string): LoadedModule[] {
  const desc = parseDescriptions(descText);
  const devices = parseBoundDevices(devicesText);
  return parseProcModules(raw).map((m) => ({ ...m, devices: devices.get(m.name) ?? [], description: desc.get(m.name) ?? '' }));
}

/**
 * Every command of the probe, by name (pure, so tests can answer it with
 * recorded output). Which modules exist comes from depmod's index (two
 * reads), and only the recommended modules get a dry run each: under
 * software emulation every modinfo or modprobe costs a fraction of a
 * second, and audits run this probe too. Descriptions of loaded modules are
 * for the module table (loadedModules), not for any decision here.
 */
export function modulesProbeCommands(path: string): Record<string, string[]> {
  return {
    modules: ['cat', '/proc/modules'],
    devices: ['sh', '-c', DEVICES_SCRIPT],
    mounts: ['cat', '/proc/mounts'],
    modulesDep: ['sh', '-c', 'cat "/lib/modules/$(uname -r)/modules.dep"'],
    modulesBuiltin: ['sh', '-c', 'cat "/lib/modules/$(uname -r)/modules.builtin"'],
    modprobeVersion: ['sh', '-c', 'modprobe --version 2>&1; true'],
    ourFile: ['cat', path],
    rules: ['sh', '-c', RULES_SCRIPT, 'sh', ...MODPROBE_DIRS],
    disabled: ['cat', '/proc/sys/kernel/modules_disabled'],
    ...dryRunCommands(RECOMMENDED_NAMES),
  };
}

/**
 * The facts from the probe's answers; pure. A missing answer reads as a failed command. Kernel
 * release and container runtimes are shared facts; recorded answers may carry them as
 * release/containersInstalled/containersRunning.
 */
export function modulesFactsFrom(r: Record<string, TargetProbeItem | undefined>, path: string, kmodPackageNeeded: (modprobeVersion: string) => string | null): ModulesFacts {
  const item = (name: string): TargetProbeItem => r[name] ?? { code: -1, stdout: '' };
  const modprobeVersion = item('modprobeVersion').stdout.trim();
  const index = parseModuleIndex(item('modulesDep').stdout, item('modulesBuiltin').stdout);
  const containerDeps = new Set<string>();
  for (const root of CONTAINER_ROOT_MODULES.map(canonicalModule)) for (const dep of index.deps.get(root) ?? []) containerDeps.add(dep);
  const shared = sharedFactsFrom(r);
  const disabled = item('disabled').stdout.trim();
  const candidates: Record<string, CandidateFacts> = {};
  for (const m of RECOMMENDED_NAMES) candidates[m] = { name: m, info: indexInfo(index, m), dryRun: parseDryRun(item(`dry:${m}`).stdout) };
  return {
    kernelRelease: shared.kernelRelease,
    containers: shared.containers,
    loaded: mergeModuleFacts(item('modules').stdout, '', item('devices').stdout),
    mounts: parseMounts(item('mounts').stdout),
    modprobeVersion,
    kmodPackage: kmodPackageNeeded(modprobeVersion),
    ourFile: item('ourFile').code === 0 ? item('ourFile').stdout : null,
    ourPath: path,
    rules: parseModprobeRules(item('rules').stdout),
    candidates,
    containerDeps: [...containerDeps].sort(),
    modulesDisabled: disabled === '1' ? true : disabled === '0' ? false : null,
  };
}

export const modulesState = defineFact<ModulesFacts>({
  id: 'modules.state',
  commands: (env) => modulesProbeCommands(ourPath(env.distro)),
  timeoutMs: 120_000,
  parse(r, _second, env) {
    if (r.modules?.code !== 0) {
      throw new HardenLabError('REMOTE_COMMAND_FAILED', `/proc/modules could not be read on ${env.host}.`, { hint: 'Is this a Linux VM with loadable module support?' });
    }
    return modulesFactsFrom(r, ourPath(env.distro), (v) => env.distro.kmodPackageNeeded(v));
  },
});

/** Every fact the step reads, for an operation to gather at once. */
export const MODULES_FACTS: ReadonlyArray<FactProvider<unknown>> = [modulesState, kernelRelease, containerRuntimes];

export async function probeModules(facts: Facts): Promise<ModulesFacts> {
  const [state, release, containers] = await Promise.all([facts.get(modulesState), facts.get(kernelRelease), facts.get(containerRuntimes)]);
  return { ...state, kernelRelease: release, containers };
}

/** modinfo and a dry run for names outside the recommended set (a person's explicit list); one round trip. */
export async function lookupModules(target: Target, names: readonly string[]): Promise<Record<string, CandidateFacts>> {
  if (names.length === 0) return {};
  const r = await target.probe(Object.fromEntries(names.flatMap((m) => [[`info:${m}`, ['modinfo', m]], [`dry:${m}`, ['modprobe', '-D', m]]])), { elevate: true, timeoutMs: 60_000 });
  const out: Record<string, CandidateFacts> = {};
  for (const m of names) {
    const info = r[`info:${m}`];
    out[m] = { name: m, info: info ? parseModinfo(info.code ?? -1, info.stdout) : null, dryRun: parseDryRun(r[`dry:${m}`]?.stdout ?? '') };
  }
  return out;
}

/**
 * The loaded modules as lsmod shows them, with who uses each, the devices
 * their drivers serve, and what each is (modinfo's description), for the
 * UI's module table. One round trip.
 */
export async function loadedModules(target: Target): Promise<LoadedModule[]> {
  const r = await target.probe(
    { modules: ['cat', '/proc/modules'], descriptions: ['sh', '-c', DESCRIPTIONS_SCRIPT], devices: ['sh', '-c', DEVICES_SCRIPT] },
    { elevate: true, timeoutMs: 120_000 },
  );
  if (r.modules.code !== 0) throw new HardenLabError('REMOTE_COMMAND_FAILED', `/proc/modules could not be read on ${target.profile.host}.`);
  return mergeModuleFacts(r.modules.stdout, r.descriptions.stdout, r.devices.stdout);
}
