import type { StepContext } from '../../engine/step';
import type { TargetProbeItem } from '../../engine/target';
import { parseInspect, type ContainerFacts } from './inspect';
import { AUDITED_PATHS, parseMountPoints, parseStat, PERMISSION_PATHS, type StatEntry } from './host-checks';
import { defineFact } from '../../facts/provider';

/**
 * What the containers step reads from the VM, in one elevated round trip
 * (docker's socket is root's), and the pure parsing of it.
 */
export const DAEMON_JSON = '/etc/docker/daemon.json';
export const DEFAULT_BENCH_DIR = '/usr/local/share/docker-bench-security';
export const DEFAULT_BENCH_SCRIPT = `${DEFAULT_BENCH_DIR}/docker-bench-security.sh`;

export interface DockerInfo {
  serverVersion: string;
  liveRestore: boolean;
  loggingDriver: string;
  securityOptions: string[];
  dockerRootDir: string;
  swarm: string;
  containersRunning: number;
}

export interface RunningContainer extends ContainerFacts {
  engine: 'docker' | 'podman';
}

export interface ContainersFacts {
  /** Path of the docker CLI; null when there is no docker command. */
  dockerClient: string | null;
  /** null when dockerd does not answer. */
  info: DockerInfo | null;
  podmanVersion: string | null;
  /** enable_icc of the default bridge as dockerd runs it; null when unknown. */
  bridgeIcc: boolean | null;
  daemonJson: string | null;
  dockerd: { pid: number; argv: string[] } | null;
  dockerdPath: string | null;
  dockerdValidates: boolean;
  containers: RunningContainer[];
  containersError?: string;
  mountPoints: string[];
  dockerGroup: string | null;
  adminGroups: string[];
  auditctlPresent: boolean;
  auditRules: string;
  stats: Record<string, StatEntry>;
  benchScriptPresent: boolean;
  tools: string[];
}

const STAT_PATHS = [...new Set([...AUDITED_PATHS, ...PERMISSION_PATHS])];

export const CONTAINERS_PROBE = {
  // Every docker CLI call costs seconds under emulation: presence is `command -v`, versions come from docker info.
  dockerCli: ['sh', '-c', 'command -v docker'],
  dockerInfo: ['docker', 'info', '--format', '{{json .}}'],
  bridge: ['docker', 'network', 'inspect', 'bridge', '--format', '{{json .Options}}'],
  dockerContainers: ['sh', '-c', 'command -v docker >/dev/null || exit 127; ids=$(docker ps -q --no-trunc) || exit 3; if [ -n "$ids" ]; then docker inspect $ids; else echo "[]"; fi'],
  podmanVersion: ['podman', 'version', '--format', '{{json .}}'],
  podmanContainers: ['sh', '-c', 'command -v podman >/dev/null || exit 127; ids=$(podman ps -q --no-trunc) || exit 3; if [ -n "$ids" ]; then podman inspect $ids; else echo "[]"; fi'],
  daemonJson: ['cat', DAEMON_JSON],
  // The pid file can outlive dockerd; the argv read next says whether the pid is really dockerd.
  dockerd: ['sh', '-c', 'pid=$(cat /var/run/docker.pid 2>/dev/null || pidof -s dockerd) || exit 3; [ -r "/proc/$pid/cmdline" ] || exit 3; echo "$pid"; tr "\\000" "\\n" < "/proc/$pid/cmdline"'],
  dockerdPath: ['sh', '-c', 'command -v dockerd'],
  mounts: ['cat', '/proc/self/mounts'],
  dockerGroup: ['getent', 'group', 'docker'],
  adminGroups: ['getent', 'group', 'sudo', 'wheel', 'admin'],
  auditctl: ['sh', '-c', 'command -v auditctl >/dev/null || exit 127; auditctl -l'],
  auditFiles: ['sh', '-c', 'cat /etc/audit/audit.rules /etc/audit/rules.d/*.rules 2>/dev/null; true'],
  stat: ['sh', '-c', 'for f in "$@"; do [ -e "$f" ] && stat -L -c "%U:%G %a %n" "$f"; done; true', 'sh', ...STAT_PATHS],
  bench: ['test', '-f', DEFAULT_BENCH_SCRIPT],
  tools: ['sh', '-c', 'for t in bash git curl wget nc timeout tar; do command -v "$t" >/dev/null && echo "$t"; done; true'],
} as const satisfies Record<string, readonly string[]>;

export type ContainersProbe = Record<keyof typeof CONTAINERS_PROBE, TargetProbeItem>;

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function rec(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function parseDockerInfo(text: string): DockerInfo | null {
  const v = rec(json(text));
  if (typeof v.ServerVersion !== 'string') return null;
  return {
    serverVersion: v.ServerVersion,
    liveRestore: v.LiveRestoreEnabled === true,
    loggingDriver: typeof v.LoggingDriver === 'string' ? v.LoggingDriver : 'json-file',
    securityOptions: Array.isArray(v.SecurityOptions) ? v.SecurityOptions.filter((x): x is string => typeof x === 'string') : [],
    dockerRootDir: typeof v.DockerRootDir === 'string' ? v.DockerRootDir : '/var/lib/docker',
    swarm: typeof rec(v.Swarm).LocalNodeState === 'string' ? (rec(v.Swarm).LocalNodeState as string) : 'inactive',
    containersRunning: typeof v.ContainersRunning === 'number' ? v.ContainersRunning : 0,
  };
}

/** `dockerd --validate` arrived in Docker 23.0; Debian 12's 20.10 lacks it. */
export function dockerdValidates(serverVersion: string | null): boolean {
  const major = Number(/^(\d+)\./.exec(serverVersion ?? '')?.[1] ?? 0);
  return major >= 23;
}

export function parseBridgeIcc(text: string): boolean | null {
  const v = rec(json(text))['com.docker.network.bridge.enable_icc'];
  return v === 'false' ? false : v === 'true' ? true : null;
}

export function parseDockerd(text: string): { pid: number; argv: string[] } | null {
  const [pidLine, ...argv] = text.split('\n').filter((l) => l !== '');
  if (!pidLine || !/^\d+$/.test(pidLine.trim()) || !argv[0] || !/(^|\/)dockerd$/.test(argv[0])) return null;
  return { pid: Number(pidLine.trim()), argv };
}

export function factsFromProbe(r: ContainersProbe): ContainersFacts {
  const ok = (k: keyof ContainersProbe) => r[k].code === 0;
  const containers: RunningContainer[] = [];
  const errors: string[] = [];
  for (const engine of ['docker', 'podman'] as const) {
    const item = engine === 'docker' ? r.dockerContainers : r.podmanContainers;
    if (item.code === 127) continue;
    if (item.code !== 0) {
      if (engine === 'docker' && !ok('dockerInfo')) continue; // no daemon: nothing runs
      errors.push(`${engine} ps/inspect failed (exit ${item.code})`);
      continue;
    }
    try {
      containers.push(...parseInspect(item.stdout).map((c) => ({ ...c, engine })));
    } catch (e) {
      errors.push(`${engine} inspect printed something that is not JSON (${(e as Error).message})`);
    }
  }
  const stats: Record<string, StatEntry> = {};
  for (const [p, s] of parseStat(r.stat.stdout)) stats[p] = s;
  const podman = rec(json(r.podmanVersion.stdout));
  const podmanVersion = ok('podmanVersion') ? (typeof rec(podman.Client).Version === 'string' ? (rec(podman.Client).Version as string) : typeof podman.Version === 'string' ? podman.Version : 'unknown') : null;
  const info = ok('dockerInfo') ? parseDockerInfo(r.dockerInfo.stdout) : null;
  return {
    dockerClient: ok('dockerCli') ? r.dockerCli.stdout.trim() || null : null,
    info,
    podmanVersion,
    bridgeIcc: ok('bridge') ? parseBridgeIcc(r.bridge.stdout) : null,
    daemonJson: ok('daemonJson') ? r.daemonJson.stdout : null,
    dockerd: ok('dockerd') ? parseDockerd(r.dockerd.stdout) : null,
    dockerdPath: ok('dockerdPath') ? r.dockerdPath.stdout.trim() || null : null,
    dockerdValidates: dockerdValidates(info?.serverVersion ?? null),
    containers,
    ...(errors.length ? { containersError: errors.join('; ') } : {}),
    mountPoints: parseMountPoints(r.mounts.stdout),
    dockerGroup: ok('dockerGroup') ? r.dockerGroup.stdout.trim() : null,
    adminGroups: r.adminGroups.stdout.split('\n').filter((l) => l.includes(':')),
    auditctlPresent: r.auditctl.code !== 127,
    auditRules: [r.auditctl.code === 0 ? r.auditctl.stdout : '', r.auditFiles.stdout].join('\n'),
    stats,
    benchScriptPresent: ok('bench'),
    tools: r.tools.stdout.split('\n').map((t) => t.trim()).filter(Boolean),
  };
}

export const containersState = defineFact<ContainersFacts>({
  id: 'containers.state',
  commands: () => CONTAINERS_PROBE,
  timeoutMs: 120_000,
  parse: (r) => factsFromProbe(r as Record<keyof typeof CONTAINERS_PROBE, TargetProbeItem>),
});

export function probeContainers(ctx: StepContext): Promise<ContainersFacts> {
  return ctx.facts.get(containersState);
}
