/**
 * Running containers as `docker inspect` (or `podman inspect`, which keeps
 * Docker's field names) describes them, and what in that description breaks
 * the wall between a container and its host. Pure: the step feeds it the
 * JSON it read on the VM; tests feed it JSON recorded on the lab VM.
 */

export interface ContainerMount {
  type: string;
  source: string;
  destination: string;
  rw: boolean;
}

export interface ContainerFacts {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  image: string;
  privileged: boolean;
  capAdd: string[];
  networkMode: string;
  pidMode: string;
  ipcMode: string;
  utsMode: string;
  usernsMode: string;
  securityOpt: string[];
  mounts: ContainerMount[];
  readonlyRootfs: boolean;
  /** Config.User as given ("" means the image's default, usually root). */
  user: string;
  appArmorProfile: string;
}

export type RiskKind =
  | 'privileged'
  | 'engine-socket'
  | 'host-network'
  | 'host-pid'
  | 'host-ipc'
  | 'host-uts'
  | 'userns-host'
  | 'apparmor-unconfined'
  | 'seccomp-unconfined'
  | 'dangerous-capability'
  | 'sensitive-mount';

export interface ContainerRisk {
  kind: RiskKind;
  container: string;
  /** What is wrong, naming the container. */
  message: string;
  /** What to change when the container is next created. */
  fix: string;
  /** The inspect field that decided it, e.g. `HostConfig.Privileged=true`. */
  evidence: string;
}

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Parses the JSON array `docker inspect ID...` prints. Throws on text that is not such an array. */
export function parseInspect(json: string): ContainerFacts[] {
  const data: unknown = JSON.parse(json);
  if (!Array.isArray(data)) throw new Error('docker inspect did not print a JSON array.');
  return data.map((raw) => {
    const c = obj(raw);
    const host = obj(c.HostConfig);
    const config = obj(c.Config);
    const mounts = Array.isArray(c.Mounts) ? c.Mounts.map(obj) : [];
    return {
      id: str(c.Id),
      name: str(c.Name).replace(/^\//, '') || str(c.Id).slice(0, 12),
      image: str(config.Image) || str(c.ImageName) || str(c.Image),
      privileged: host.Privileged === true,
      capAdd: strings(host.CapAdd),
      networkMode: str(host.NetworkMode),
      pidMode: str(host.PidMode),
      ipcMode: str(host.IpcMode),
      utsMode: str(host.UTSMode),
      usernsMode: str(host.UsernsMode),
      securityOpt: strings(host.SecurityOpt),
      mounts: mounts.map((m) => ({ type: str(m.Type), source: str(m.Source), destination: str(m.Destination), rw: m.RW === true })),
      readonlyRootfs: host.ReadonlyRootfs === true,
      user: str(config.User),
      appArmorProfile: str(c.AppArmorProfile),
    };
  });
}

/** Sockets that give whoever can write them control of a container engine, i.e. root on the host. */
const ENGINE_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock', '/run/containerd/containerd.sock', '/run/podman/podman.sock', '/var/run/podman/podman.sock', '/run/crio/crio.sock'];
/** Host directories whose mount hands a container the host (CIS Docker 5.5, plus /root and Docker's own state). */
const SENSITIVE_DIRS = ['/', '/boot', '/dev', '/etc', '/lib', '/proc', '/sys', '/usr', '/root', '/var/lib/docker'];
/**
 * Capabilities that undo isolation on their own: mount and namespace tricks
 * (SYS_ADMIN), loading modules, raw devices, reading any file, tracing host
 * processes, changing the firewall, and the LSM and BPF controls.
 */
export const DANGEROUS_CAPABILITIES = ['ALL', 'SYS_ADMIN', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_PTRACE', 'SYS_BOOT', 'SYS_TIME', 'DAC_READ_SEARCH', 'NET_ADMIN', 'MAC_ADMIN', 'MAC_OVERRIDE', 'BPF', 'PERFMON'];

function normalise(path: string): string {
  const p = path.replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

/** A mount exposes an engine socket when it is the socket, or a directory that contains it (/run, /var/run). */
function engineSocketIn(m: ContainerMount): string | null {
  const src = normalise(m.source);
  for (const sock of ENGINE_SOCKETS) {
    if (src === sock || (src !== '/' && sock.startsWith(`${src}/`))) return sock;
  }
  return null;
}

export function containerRisks(c: ContainerFacts): ContainerRisk[] {
  const n = c.name;
  const risks: ContainerRisk[] = [];
  const add = (kind: RiskKind, message: string, fix: string, evidence: string) => risks.push({ kind, container: n, message, fix, evidence });
  if (c.privileged) {
    add(
      'privileged',
      `Container "${n}" runs with --privileged: it sees every host device, can load kernel modules and is not confined by AppArmor or seccomp.`,
      `Recreate "${n}" without --privileged; add only the capabilities and devices it needs (--cap-add, --device).`,
      'HostConfig.Privileged=true',
    );
  }
  for (const m of c.mounts) {
    const sock = engineSocketIn(m);
    if (sock) {
      add(
        'engine-socket',
        `Container "${n}" has the engine socket ${sock} mounted (from ${m.source}): whoever controls it can start a privileged container, which is root on the host.`,
        `Remove the ${m.source} mount from "${n}"; if it must talk to Docker, give it a socket proxy that allows only the API calls it needs.`,
        `Mounts: ${m.source} -> ${m.destination}${m.rw ? '' : ' (ro)'}`,
      );
    }
  }
  const namespaces: Array<[RiskKind, string, string, string]> = [
    ['host-network', c.networkMode, '--network host', 'the host network stack (it can bind any port and reach services on 127.0.0.1)'],
    ['host-pid', c.pidMode, '--pid host', 'the host process table (it can see and signal host processes)'],
    ['host-ipc', c.ipcMode, '--ipc host', "the host's shared memory and IPC"],
    ['host-uts', c.utsMode, '--uts host', "the host's hostname"],
  ];
  for (const [kind, mode, flag, what] of namespaces) {
    if (mode === 'host') {
      const field = { 'host-network': 'NetworkMode', 'host-pid': 'PidMode', 'host-ipc': 'IpcMode', 'host-uts': 'UTSMode' }[kind as 'host-network'];
      add(kind, `Container "${n}" shares ${what} (${flag}).`, `Recreate "${n}" without ${flag}.`, `HostConfig.${field}=host`);
    }
  }
  if (c.usernsMode === 'host') {
    add('userns-host', `Container "${n}" opts out of user-namespace remapping (--userns host): its root is the host's root.`, `Recreate "${n}" without --userns host.`, 'HostConfig.UsernsMode=host');
  }
  for (const opt of c.securityOpt) {
    const [key, value] = opt.split(/[=:]/, 2);
    if (value === 'unconfined' && (key === 'apparmor' || key === 'seccomp')) {
      add(
        key === 'apparmor' ? 'apparmor-unconfined' : 'seccomp-unconfined',
        `Container "${n}" runs with --security-opt ${key}=unconfined: ${key === 'apparmor' ? 'no AppArmor profile confines it' : 'every system call is open to it'}.`,
        `Recreate "${n}" without --security-opt ${key}=unconfined (write a custom profile if the default one is too strict).`,
        `HostConfig.SecurityOpt contains ${opt}`,
      );
    }
  }
  const caps = c.capAdd.map((x) => x.toUpperCase().replace(/^CAP_/, '')).filter((x) => DANGEROUS_CAPABILITIES.includes(x));
  if (caps.length > 0) {
    add(
      'dangerous-capability',
      `Container "${n}" adds capabilities that undo isolation: ${caps.join(', ')}.`,
      `Recreate "${n}" without ${caps.map((x) => `--cap-add ${x}`).join(' ')}, or with a narrower capability.`,
      `HostConfig.CapAdd=${JSON.stringify(c.capAdd)}`,
    );
  }
  for (const m of c.mounts) {
    if (m.type !== 'bind') continue;
    const src = normalise(m.source);
    if (SENSITIVE_DIRS.includes(src)) {
      add(
        'sensitive-mount',
        `Container "${n}" has the host directory ${src} mounted at ${m.destination}${m.rw ? ' read-write' : ' (read-only, still readable: think /etc/shadow)'}.`,
        `Mount only the files "${n}" needs instead of ${src}.`,
        `Mounts: ${m.source} -> ${m.destination}${m.rw ? '' : ' (ro)'}`,
      );
    }
  }
  return risks;
}

/** Whether the container's processes run as root (no user, or uid 0 / "root"). */
export function runsAsRoot(c: ContainerFacts): boolean {
  const user = c.user.split(':')[0] ?? '';
  return user === '' || user === '0' || user === 'root';
}
