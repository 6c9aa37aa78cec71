import type { DistroAdapter } from '../../distro/types';
import type { Target, TargetProbeItem } from '../../engine/target';
import { HardenLabError } from '../../errors';
import type { Facts } from '../../facts/cache';
import { containerRuntimes, kernelRelease, sharedFactsFrom, systemdInit } from '../../facts/common';
import { parseReadGlobs, readGlobsCommand } from '../../facts/files';
import { answer, defineFact, type FactProvider } from '../../facts/provider';
import { OUR_FILE_NAME, SYSCTL_DIRS } from './catalog';
import { parseSysctlAll, type ConfFile } from './parse';
import type { SysctlFacts } from './plan';

/**
 * The sysctl step's facts, declared for the fact layer (facts/): every value
 * (`sysctl -a`, as root: a few keys are root-only), every config file listed
 * and read in the same command, our own file, and whether the kernel has
 * Debian's perf_event restriction. Kernel release, container runtimes and
 * the init come from the shared facts, read once for every step.
 */
// Debian's and Ubuntu's patch that gives perf_event_paranoid = 3 its meaning.
const PERF_RESTRICT = '{ cat "/boot/config-$(uname -r)" 2>/dev/null || zcat /proc/config.gz 2>/dev/null; } | grep -c "^CONFIG_SECURITY_PERF_EVENTS_RESTRICT=y"; true';

export function ourPath(distro: Pick<DistroAdapter, 'sysctlDir'>): string {
  return `${distro.sysctlDir}/${OUR_FILE_NAME}`;
}

/** The files systemd-sysctl and procps read, in their directory order; /etc/sysctl.conf last. */
export const SYSCTL_FILE_PATTERNS = [...SYSCTL_DIRS.map((d) => `${d}/*.conf`), '/etc/sysctl.conf'];

export function sysctlProbeCommands(path: string): Record<string, string[]> {
  return {
    all: ['sysctl', '-a'],
    files: readGlobsCommand(SYSCTL_FILE_PATTERNS),
    ourFile: ['cat', path],
    perfRestrict: ['sh', '-c', PERF_RESTRICT],
  };
}

type SysctlState = Pick<SysctlFacts, 'values' | 'files' | 'ourPath' | 'ourFile' | 'perfRestrict'>;

function stateFrom(r: Record<string, TargetProbeItem | undefined>, files: ConfFile[], path: string): SysctlState {
  return {
    values: Object.fromEntries(parseSysctlAll(answer(r, 'all').stdout)),
    files,
    ourPath: path,
    ourFile: r.ourFile?.code === 0 ? r.ourFile.stdout : null,
    perfRestrict: Number(r.perfRestrict?.stdout.trim() || '0') > 0,
  };
}

export const sysctlState = defineFact<SysctlState>({
  id: 'sysctl.state',
  commands: (env) => sysctlProbeCommands(ourPath(env.distro)),
  parse(r, _second, env) {
    if (!r.all?.stdout.trim()) {
      throw new HardenLabError('REMOTE_COMMAND_FAILED', `\`sysctl -a\` gave nothing on ${env.host}.`, { hint: 'Is procps (or busybox sysctl) installed on the VM?' });
    }
    return stateFrom(r, parseReadGlobs(answer(r, 'files').stdout), ourPath(env.distro));
  },
});

/** Every fact the step reads, for an operation to gather at once. */
export const SYSCTL_FACTS: ReadonlyArray<FactProvider<unknown>> = [sysctlState, kernelRelease, containerRuntimes, systemdInit];

/** The facts from recorded answers (the old single-probe names) and files; pure, for tests. */
export function sysctlFactsFrom(r: Record<string, TargetProbeItem | undefined>, files: ConfFile[], path: string): SysctlFacts {
  return { ...stateFrom(r, files, path), ...sharedFactsFrom(r) };
}

export async function probeSysctl(facts: Facts): Promise<SysctlFacts> {
  const [state, release, containers, systemd] = await Promise.all([facts.get(sysctlState), facts.get(kernelRelease), facts.get(containerRuntimes), facts.get(systemdInit)]);
  return { ...state, kernelRelease: release, containers, systemd };
}

/** `sysctl -n KEY` for each key, one round trip: the live values, exactly as the kernel reports them. */
export async function readSysctls(target: Target, keys: readonly string[]): Promise<Map<string, TargetProbeItem>> {
  const r: Record<string, TargetProbeItem | undefined> = await target.probe(Object.fromEntries(keys.map((k, i) => [`k${i}`, ['sysctl', '-n', k]])), { elevate: true });
  return new Map(keys.map((k, i) => [k, r[`k${i}`] ?? { code: -1, stdout: '' }]));
}
