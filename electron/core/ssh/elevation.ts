import { HardenLabError } from '../errors';
import type { ProbeCommands, ProbeResults } from './probe';

/**
 * How this login becomes root on the VM:
 *   root           already uid 0
 *   sudo-nopasswd  `sudo -n` works (NOPASSWD rule)
 *   sudo-password  sudo with the user's password, sent on stdin (`sudo -k -S -p ''`), never on a command line
 *   doas           `doas -n` works (a `permit nopass` rule; doas reads passwords only from a terminal)
 *   none           nothing works: elevated steps cannot run
 */
export type ElevationMode = 'root' | 'sudo-nopasswd' | 'sudo-password' | 'doas' | 'none';

export type ElevationPreference = 'auto' | 'sudo' | 'doas' | 'none';

export interface ElevationFacts {
  uid: number | null;
  user: string;
  sudoInstalled: boolean;
  sudoNoPassword: boolean;
  doasInstalled: boolean;
  doasNoPassword: boolean;
  /** Groups that usually carry a sudo rule (sudo, wheel, admin). */
  inSudoGroup: boolean;
  /** Result of trying the stored password with sudo; null when not tried. */
  sudoPasswordWorks: boolean | null;
}

export interface ElevationReport {
  mode: ElevationMode;
  facts: ElevationFacts;
  /** Why `mode` is 'none' (or why sudo-password is unverified), in words. */
  note?: string;
}

/** One probe gathers every fact detection needs. */
export const ELEVATION_PROBE: ProbeCommands = {
  uid: ['id', '-u'],
  user: ['id', '-un'],
  groups: ['id', '-Gn'],
  sudoPath: ['command', '-v', 'sudo'],
  sudoN: ['sudo', '-n', 'true'],
  doasPath: ['command', '-v', 'doas'],
  doasN: ['doas', '-n', 'true'],
};

export function factsFromProbe(r: ProbeResults): Omit<ElevationFacts, 'sudoPasswordWorks'> {
  const uidText = r.uid?.stdout.trim() ?? '';
  const groups = (r.groups?.stdout ?? '').trim().split(/\s+/);
  return {
    uid: /^\d+$/.test(uidText) ? Number(uidText) : null,
    user: r.user?.stdout.trim() ?? '',
    sudoInstalled: r.sudoPath?.code === 0,
    sudoNoPassword: r.sudoN?.code === 0,
    doasInstalled: r.doasPath?.code === 0,
    doasNoPassword: r.doasN?.code === 0,
    inSudoGroup: groups.some((g) => g === 'sudo' || g === 'wheel' || g === 'admin'),
  };
}

/**
 * Picks the mode from the facts and the profile's preference. Pure.
 *   uid 0 ............................................. root (whatever the preference)
 *   preference none ................................... none
 *   sudo allowed and `sudo -n true` worked ............ sudo-nopasswd
 *   doas allowed and `doas -n true` worked ............ doas
 *   sudo allowed, installed, and either the stored
 *     password worked, or (untested) the user is in
 *     sudo/wheel/admin ................................ sudo-password
 *   otherwise ......................................... none
 */
export function chooseElevation(facts: ElevationFacts, pref: ElevationPreference): ElevationReport {
  if (facts.uid === 0) return { mode: 'root', facts };
  if (pref === 'none') return { mode: 'none', facts, note: 'The profile is set to never elevate.' };
  const sudoOk = pref === 'auto' || pref === 'sudo';
  const doasOk = pref === 'auto' || pref === 'doas';
  if (sudoOk && facts.sudoNoPassword) return { mode: 'sudo-nopasswd', facts };
  if (doasOk && facts.doasNoPassword) return { mode: 'doas', facts };
  if (sudoOk && facts.sudoInstalled) {
    if (facts.sudoPasswordWorks === true) return { mode: 'sudo-password', facts };
    if (facts.sudoPasswordWorks === null && facts.inSudoGroup) {
      return { mode: 'sudo-password', facts, note: 'sudo will need the password of the user (not yet verified).' };
    }
    if (facts.sudoPasswordWorks === false) return { mode: 'none', facts, note: `sudo refused the stored password of ${facts.user || 'the user'} (wrong password, or the user may not use sudo).` };
  }
  const parts: string[] = [];
  if (sudoOk) parts.push(facts.sudoInstalled ? `${facts.user || 'the user'} may not use sudo without a password, and no password is stored` : 'sudo is not installed');
  if (doasOk) parts.push(facts.doasInstalled ? 'doas has no `permit nopass` rule for this user' : 'doas is not installed');
  return { mode: 'none', facts, note: parts.join('; ') || undefined };
}

export function noElevationError(report: ElevationReport, where: string, pref: ElevationPreference): HardenLabError {
  const user = report.facts.user || 'this user';
  if (pref === 'none') {
    return new HardenLabError('NO_ELEVATION', `This step needs root on ${where}, but the profile is set to never elevate.`, {
      hint: 'Set the profile elevation to auto, sudo or doas.',
    });
  }
  return new HardenLabError('NO_ELEVATION', `${user} cannot become root on ${where}: ${report.note ?? 'neither sudo nor doas works'}.`, {
    hint:
      `As root on the VM, either add the user to sudo (Debian/Ubuntu: apt-get install sudo && usermod -aG sudo ${user}; then store the user's password in the profile), ` +
      `or install doas and allow it (Alpine: apk add doas && echo 'permit nopass ${user}' >> /etc/doas.d/doas.conf).`,
    detail: report.mode,
  });
}

export interface ElevatedCommand {
  argv: string[];
  /** Bytes sent before the caller's stdin (the sudo password line). */
  stdinPrefix?: Buffer;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Wraps argv so it runs elevated and with the given environment. The env is
 * applied after sudo/doas (they reset the environment) through `env K=V`.
 * With a sudo password, `-k` makes sudo ask even when it cached a login, so
 * the password line is always consumed by sudo and never reaches the
 * command's stdin; `-p ''` keeps the prompt out of stderr.
 */
export function buildCommandArgv(argv: readonly string[], opts: { mode?: ElevationMode | undefined; env?: Record<string, string> | undefined; password?: string | undefined }): ElevatedCommand {
  if (argv.length === 0) throw new HardenLabError('BAD_INPUT', 'An empty command cannot be run.');
  let cmd = [...argv];
  if (opts.env && Object.keys(opts.env).length > 0) {
    const pairs = Object.entries(opts.env).map(([k, v]) => {
      if (!ENV_NAME.test(k)) throw new HardenLabError('BAD_INPUT', `${JSON.stringify(k)} is not a valid environment variable name.`);
      return `${k}=${v}`;
    });
    cmd = ['env', ...pairs, ...cmd];
  }
  switch (opts.mode) {
    case undefined:
    case 'root':
      return { argv: cmd };
    case 'sudo-nopasswd':
      return { argv: ['sudo', '-n', '--', ...cmd] };
    case 'sudo-password':
      if (opts.password === undefined) throw new HardenLabError('SECRET_REQUIRED', 'sudo needs the password of the user to run this step.', { detail: 'password' });
      if (/[\r\n]/.test(opts.password)) throw new HardenLabError('BAD_INPUT', 'A password with a line break cannot be given to sudo.');
      return { argv: ['sudo', '-k', '-S', '-p', '', '--', ...cmd], stdinPrefix: Buffer.from(opts.password + '\n', 'utf8') };
    case 'doas':
      return { argv: ['doas', '-n', '--', ...cmd] };
    case 'none':
      throw new HardenLabError('NO_ELEVATION', 'This command needs root and no way to elevate is available.');
  }
}
