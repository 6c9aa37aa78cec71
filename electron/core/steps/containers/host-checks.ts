import type { AuditCheckDraft } from '../../engine/step';

/**
 * Our own versions of docker-bench-security's host checks (its sections 1
 * and 3), so the audit says something useful on a VM without the script.
 * Pure: each takes the text a read-only command printed on the VM.
 */

/** Files and directories CIS Docker 1.1.3-1.1.18 wants audited (only those that exist count). */
export const AUDITED_PATHS = [
  '/usr/bin/dockerd',
  '/usr/sbin/dockerd',
  '/run/containerd',
  '/var/lib/docker',
  '/etc/docker',
  '/lib/systemd/system/docker.service',
  '/usr/lib/systemd/system/docker.service',
  '/etc/systemd/system/docker.service',
  '/run/containerd/containerd.sock',
  '/lib/systemd/system/docker.socket',
  '/usr/lib/systemd/system/docker.socket',
  '/etc/systemd/system/docker.socket',
  '/etc/default/docker',
  '/etc/docker/daemon.json',
  '/etc/containerd/config.toml',
  '/etc/sysconfig/docker',
  '/usr/bin/containerd',
  '/usr/bin/containerd-shim',
  '/usr/bin/containerd-shim-runc-v1',
  '/usr/bin/containerd-shim-runc-v2',
  '/usr/bin/runc',
  '/usr/sbin/runc',
];

/** Who may own a file and which permission bits it may have at most (CIS Docker section 3). */
interface PermissionRule {
  paths: string[];
  owner: string;
  maxMode: number;
}
const PERMISSION_RULES: PermissionRule[] = [
  { paths: ['/lib/systemd/system/docker.service', '/usr/lib/systemd/system/docker.service', '/etc/systemd/system/docker.service'], owner: 'root:root', maxMode: 0o644 },
  { paths: ['/lib/systemd/system/docker.socket', '/usr/lib/systemd/system/docker.socket', '/etc/systemd/system/docker.socket'], owner: 'root:root', maxMode: 0o644 },
  { paths: ['/etc/init.d/docker', '/etc/conf.d/docker'], owner: 'root:root', maxMode: 0o755 },
  { paths: ['/etc/docker'], owner: 'root:root', maxMode: 0o755 },
  { paths: ['/etc/docker/daemon.json', '/etc/default/docker', '/etc/sysconfig/docker'], owner: 'root:root', maxMode: 0o644 },
  { paths: ['/var/run/docker.sock'], owner: 'root:docker', maxMode: 0o660 },
  { paths: ['/run/containerd/containerd.sock'], owner: 'root:root', maxMode: 0o660 },
];
export const PERMISSION_PATHS = [...new Set(PERMISSION_RULES.flatMap((r) => r.paths))];

export interface StatEntry {
  owner: string;
  mode: number;
  path: string;
}

/** Parses `stat -c '%U:%G %a %n'` lines (GNU and busybox print the same). */
export function parseStat(text: string): Map<string, StatEntry> {
  const out = new Map<string, StatEntry>();
  for (const line of text.split('\n')) {
    const m = /^(\S+:\S+) ([0-7]{1,4}) (.+)$/.exec(line.trim());
    if (m) out.set(m[3]!, { owner: m[1]!, mode: parseInt(m[2]!, 8), path: m[3]! });
  }
  return out;
}

export function filePermissionsCheck(stats: Map<string, StatEntry>): AuditCheckDraft {
  const id = 'containers.host-file-permissions';
  const title = 'Docker configuration files, units and sockets have safe owners and permissions';
  const seen: string[] = [];
  const bad: string[] = [];
  for (const rule of PERMISSION_RULES) {
    for (const p of rule.paths) {
      const s = stats.get(p);
      if (!s) continue;
      const extra = s.mode & ~rule.maxMode & 0o7777;
      const line = `${p} ${s.owner} ${s.mode.toString(8)}`;
      seen.push(line);
      if (s.owner !== rule.owner || extra !== 0) {
        bad.push(`${line} (wanted ${rule.owner}, at most ${rule.maxMode.toString(8)})`);
      }
    }
  }
  if (seen.length === 0) return { id, title, status: 'skip', evidence: 'none of the Docker files exist' };
  return { id, title, status: bad.length ? 'fail' : 'pass', evidence: bad.length ? bad.join('; ') : seen.join('; ') };
}

/** Mount points from /proc/self/mounts (octal escapes such as \040 decoded). */
export function parseMountPoints(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** CIS 1.1.1: Docker's data lives on its own file system, so images and logs cannot fill the root one. */
export function separatePartitionCheck(mountPoints: string[], dockerRootDir: string, usernsRemapped: boolean): AuditCheckDraft {
  // With userns-remap the root dir is /var/lib/docker/<uid>.<gid>: the partition is its parent.
  const dir = usernsRemapped ? dockerRootDir.replace(/\/[^/]+\/?$/, '') || '/' : dockerRootDir.replace(/\/+$/, '');
  const ok = mountPoints.includes(dir);
  return {
    id: 'containers.host-docker-partition',
    title: `${dir} is a separate file system`,
    status: ok ? 'pass' : 'fail',
    evidence: ok ? `${dir} is a mount point` : `${dir} is not a mount point: it shares the file system of ${longestMountPrefix(mountPoints, dir)}`,
  };
}

function longestMountPrefix(mountPoints: string[], dir: string): string {
  return mountPoints.filter((m) => m === '/' || dir.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0] ?? '/';
}

/** Members of a group from a `getent group NAME` line (name:x:gid:a,b). */
export function groupMembers(line: string): string[] {
  const members = line.trim().split(':')[3] ?? '';
  return members.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * CIS 1.1.2: membership of the docker group is root in all but name. A member
 * who is also an admin (sudo, wheel, admin) gains nothing; anyone else is a
 * way to root that bypasses sudo's rules and log.
 */
export function dockerGroupCheck(dockerGroupLine: string | null, adminGroupLines: string[]): AuditCheckDraft {
  const id = 'containers.host-docker-group';
  const title = 'Only admins are in the docker group (it is root-equivalent)';
  if (dockerGroupLine === null || dockerGroupLine.trim() === '') return { id, title, status: 'skip', evidence: 'there is no docker group' };
  const members = groupMembers(dockerGroupLine);
  const admins = new Set(['root', ...adminGroupLines.flatMap(groupMembers)]);
  const outsiders = members.filter((m) => !admins.has(m));
  if (members.length === 0) return { id, title, status: 'pass', evidence: 'the docker group has no members' };
  return {
    id,
    title,
    status: outsiders.length ? 'fail' : 'pass',
    evidence: outsiders.length
      ? `docker group members who are not admins (each can become root through Docker): ${outsiders.join(', ')}`
      : `docker group members, all admins already: ${members.join(', ')}`,
  };
}

/** Whether an audit rule (auditctl -l or a rules file) watches a path: `-w PATH` or `-F path=PATH` / `dir=PATH`. */
export function auditWatched(rules: string, path: string): boolean {
  return rules.split('\n').some((raw) => {
    const line = raw.trim();
    if (line.startsWith('#')) return false;
    const tokens = line.split(/\s+/);
    return tokens.some((t, i) => (t === '-w' && tokens[i + 1] === path) || t === `path=${path}` || t === `dir=${path}`);
  });
}

/** CIS 1.1.3-1.1.18: auditd records changes to Docker's binaries, state and configuration. */
export function auditRulesCheck(opts: { auditctlPresent: boolean; rules: string; existing: string[] }): AuditCheckDraft {
  const id = 'containers.host-audit-rules';
  const title = 'auditd watches Docker\'s binaries, state and configuration';
  if (opts.existing.length === 0) return { id, title, status: 'skip', evidence: 'none of the Docker files exist' };
  if (!opts.auditctlPresent && opts.rules.trim() === '') {
    return { id, title, status: 'fail', evidence: 'auditd is not installed (no auditctl), so nothing records changes to Docker files' };
  }
  const missing = opts.existing.filter((p) => !auditWatched(opts.rules, p));
  return {
    id,
    title,
    status: missing.length ? 'fail' : 'pass',
    evidence: missing.length ? `no audit rule for: ${missing.join(', ')}` : `audit rules cover: ${opts.existing.join(', ')}`,
  };
}
