/**
 * Pure readers of the account databases for the root-account step. The
 * password hash itself never leaves classifyShadow: plans, journals and
 * audit evidence only say what kind of password root has.
 */

export type RootPasswordState =
  /** `!` prefix (passwd -l, usermod -L): no password can match until unlocked. */
  | 'locked'
  /** `*` or `!` alone: no password was ever set; nothing can match either. */
  | 'no-password-login'
  /** A hash: a password login works for whoever knows it. */
  | 'password'
  /** Empty field: root logs in with no password at all where PAM allows it. */
  | 'empty'
  | 'unknown';

export interface ShadowInfo {
  state: RootPasswordState;
  /** The hash method marker ($y$ yescrypt, $6$ sha512...), for evidence; never the hash. */
  method: string | null;
}

export function classifyShadow(line: string | null, user = 'root'): ShadowInfo {
  if (line === null) return { state: 'unknown', method: null };
  const entry = line.split('\n').find((l) => l.startsWith(`${user}:`));
  if (!entry) return { state: 'unknown', method: null };
  const field = entry.split(':')[1] ?? '';
  if (field === '') return { state: 'empty', method: null };
  const hash = field.replace(/^!+/, '');
  const method = /^\$[^$]+\$/.exec(hash)?.[0] ?? null;
  if (field.startsWith('!')) return { state: hash === '' || hash === '*' ? 'no-password-login' : 'locked', method };
  if (field.startsWith('*')) return { state: 'no-password-login', method: null };
  return { state: 'password', method };
}

export function isLockedState(s: RootPasswordState): boolean {
  return s === 'locked' || s === 'no-password-login';
}

/**
 * `passwd -S root` status: "root L 2026-11-29 0 99999 7 -1" (shadow-utils),
 * "root LK 2026-11-29 ... (Password locked.)" (RHEL). busybox has no -S.
 */
export function parsePasswdStatus(text: string): string | null {
  const m = /^\S+\s+(L|LK|P|PS|NP)\b/.exec(text.trim());
  return m ? m[1]! : null;
}

/** A user's shell from a `getent passwd` line or the whole /etc/passwd. */
export function shellOf(passwd: string, user = 'root'): string | null {
  const entry = passwd.split('\n').find((l) => l.startsWith(`${user}:`));
  return entry ? (entry.split(':')[6] ?? '').trim() : null;
}

export function isNoLoginShell(shell: string | null): boolean {
  return shell !== null && /(^|\/)(nologin|false)$/.test(shell);
}

/** /etc/passwd with the user's shell replaced; every other byte kept. Null when the user is absent. */
export function withShell(passwd: string, user: string, shell: string): string | null {
  let found = false;
  const out = passwd.split('\n').map((l) => {
    if (!l.startsWith(`${user}:`)) return l;
    const parts = l.split(':');
    if (parts.length !== 7) return l;
    found = true;
    parts[6] = shell;
    return parts.join(':');
  });
  return found ? out.join('\n') : null;
}

export const ADMIN_GROUPS = ['sudo', 'wheel', 'admin'];

/** Non-root members of the admin groups, from `getent group sudo wheel admin` lines. */
export function adminGroupMembers(groupLines: string): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const line of groupLines.split('\n')) {
    const [name, , , list = ''] = line.trim().split(':');
    if (!name || !ADMIN_GROUPS.includes(name)) continue;
    for (const u of list.split(',').map((s) => s.trim()).filter((s) => s && s !== 'root')) {
      members.set(u, [...(members.get(u) ?? []), name]);
    }
  }
  return members;
}

/**
 * Users a doas configuration permits to become root: "permit [options] USER
 * [as root]" or ":GROUP" (expanded through the group lines given). Rules that
 * name another target user do not count.
 */
export function doasAdmins(doasConf: string, groupLines: string): string[] {
  const groups = new Map<string, string[]>();
  for (const line of groupLines.split('\n')) {
    const [name, , , list = ''] = line.trim().split(':');
    if (name) groups.set(name, list.split(',').filter(Boolean));
  }
  const users = new Set<string>();
  for (const raw of doasConf.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^permit\s+(?:(?:nopass|persist|keepenv|nolog|setenv\s*\{[^}]*\})\s+)*(\S+)(?:\s+as\s+(\S+))?/.exec(line);
    if (!m || (m[2] && m[2] !== 'root')) continue;
    const who = m[1]!;
    if (who.startsWith(':')) for (const u of groups.get(who.slice(1)) ?? []) users.add(u);
    else users.add(who);
  }
  users.delete('root');
  return [...users];
}

/**
 * Whether `sudo -l -U USER` (run as root) grants USER every command as root:
 * a "(ALL ...) ALL" or "(root ...) ALL" rule, with or without NOPASSWD. This
 * sees rules from /etc/sudoers.d that no group membership shows.
 */
export function sudoAllowsAll(text: string): boolean {
  const i = text.indexOf('may run the following commands');
  if (i < 0) return false;
  return text
    .slice(i)
    .split('\n')
    .slice(1)
    .some((l) => /^\s*\((ALL|root)(\s*:\s*\S+)?\)\s+(?:[A-Z_]+:\s*)*ALL\s*$/.test(l));
}
