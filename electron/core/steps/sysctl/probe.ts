import type { DistroAdapter } from '../../distro/types';
import type { Target, TargetProbeItem } from '../../engine/target';
import { HardenLabError } from '../../errors';
import { OUR_FILE_NAME, SYSCTL_DIRS } from './catalog';
import { parseSysctlAll, type ConfFile } from './parse';
import type { SysctlFacts } from './plan';

/**
 * The I/O side of the sysctl step: two round trips, elevated (sysctl lives
 * in sbin, and a few keys are readable by root only). The first reads every
 * value and lists the config files; the second reads those files.
 */
const LIST_FILES = 'for d in "$@"; do for f in "$d"/*.conf; do [ -f "$f" ] && printf "%s\\n" "$f"; done; done; [ -f /etc/sysctl.conf ] && echo /etc/sysctl.conf; true';
const CONTAINERS_INSTALLED = 'for p in docker dockerd podman containerd; do command -v "$p" >/dev/null 2>&1 && echo "$p"; done; true';
const CONTAINERS_RUNNING = 'for p in dockerd podman containerd conmon; do pidof "$p" >/dev/null 2>&1 && echo "$p"; done; true';
// Debian's and Ubuntu's patch that gives perf_event_paranoid = 3 its meaning.
const PERF_RESTRICT = '{ cat "/boot/config-$(uname -r)" 2>/dev/null || zcat /proc/config.gz 2>/dev/null; } | grep -c "^CONFIG_SECURITY_PERF_EVENTS_RESTRICT=y"; true';

export function ourPath(distro: Pick<DistroAdapter, 'sysctlDir'>): string {
  return `${distro.sysctlDir}/${OUR_FILE_NAME}`;
}

export function sysctlProbeCommands(path: string): Record<string, string[]> {
  return {
    all: ['sysctl', '-a'],
    files: ['sh', '-c', LIST_FILES, 'sh', ...SYSCTL_DIRS],
    ourFile: ['cat', path],
    systemd: ['test', '-d', '/run/systemd/system'],
    release: ['uname', '-r'],
    containersInstalled: ['sh', '-c', CONTAINERS_INSTALLED],
    containersRunning: ['sh', '-c', CONTAINERS_RUNNING],
    perfRestrict: ['sh', '-c', PERF_RESTRICT],
  };
}

function lines(item: TargetProbeItem | undefined): string[] {
  return (item?.stdout ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
}

/** The facts from the probe's answers and the files' contents; pure. */
export function sysctlFactsFrom(r: Record<string, TargetProbeItem | undefined>, files: ConfFile[], path: string): SysctlFacts {
  const ourFile = r.ourFile?.code === 0 ? r.ourFile.stdout : null;
  return {
    kernelRelease: r.release?.stdout.trim() ?? '',
    values: Object.fromEntries(parseSysctlAll(r.all?.stdout ?? '')),
    files,
    ourPath: path,
    ourFile,
    systemd: r.systemd?.code === 0,
    containers: { installed: lines(r.containersInstalled), running: lines(r.containersRunning) },
    perfRestrict: Number(r.perfRestrict?.stdout.trim() || '0') > 0,
  };
}

export async function probeSysctl(target: Target, distro: Pick<DistroAdapter, 'sysctlDir'>): Promise<SysctlFacts> {
  const path = ourPath(distro);
  const r = await target.probe(sysctlProbeCommands(path), { elevate: true, timeoutMs: 60_000 });
  if (!r.all?.stdout.trim()) {
    throw new HardenLabError('REMOTE_COMMAND_FAILED', `\`sysctl -a\` gave nothing on ${target.profile.host}.`, { hint: 'Is procps (or busybox sysctl) installed on the VM?' });
  }
  const paths = [...new Set(lines(r.files))];
  const files: ConfFile[] = [];
  if (paths.length > 0) {
    const contents = await target.probe(Object.fromEntries(paths.map((p, i) => [`f${i}`, ['cat', p]])), { elevate: true });
    paths.forEach((p, i) => {
      const c = contents[`f${i}`];
      if (c && c.code === 0) files.push({ path: p, content: c.stdout });
    });
  }
  return sysctlFactsFrom(r, files, path);
}

/** `sysctl -n KEY` for each key, one round trip: the live values, exactly as the kernel reports them. */
export async function readSysctls(target: Target, keys: readonly string[]): Promise<Map<string, TargetProbeItem>> {
  const r: Record<string, TargetProbeItem | undefined> = await target.probe(Object.fromEntries(keys.map((k, i) => [`k${i}`, ['sysctl', '-n', k]])), { elevate: true });
  return new Map(keys.map((k, i) => [k, r[`k${i}`] ?? { code: -1, stdout: '' }]));
}
