/**
 * /etc/docker/daemon.json hardening as a pure merge: the file as it is now,
 * the settings wanted, and what dockerd was started with, in; the new file
 * text and a decision per setting, out. Unknown keys are kept as they are.
 *
 * Two traps decide most of the logic:
 * - dockerd refuses to start when a setting is given both as a command-line
 *   flag and in daemon.json ("the following directives are specified both as
 *   a flag and in the configuration file"), even with equal values. A key
 *   that is on the command line is never written to the file.
 * - log-opts are options of the logging driver: max-size on journald or
 *   syslog is an error that keeps dockerd from starting. Limits are added
 *   only for json-file and local, the drivers that keep logs on this disk.
 */

export interface DaemonHardening {
  noNewPrivileges: boolean;
  disableIcc: boolean;
  liveRestore: boolean;
  disableUserlandProxy: boolean;
  limitLogs: boolean;
  /** Opt-in: moves image storage to a new root and hides existing containers and images. */
  usernsRemap: boolean;
}

export interface DaemonRuntime {
  /** dockerd's argv (from /proc/PID/cmdline); empty when dockerd is not running. */
  flags: readonly string[];
  swarmActive: boolean;
  /** The logging driver dockerd uses now (docker info), when known. */
  loggingDriver: string | null;
}

export type DecisionStatus = 'set' | 'already' | 'skipped';

export interface DaemonKeyDecision {
  key: string;
  status: DecisionStatus;
  /** The value written (status set) or found (already). */
  value?: unknown;
  reason: string;
}

export interface DaemonJsonPlan {
  /** New file text, or null when nothing changes. */
  after: string | null;
  decisions: DaemonKeyDecision[];
  /** Why the file cannot be edited safely (not JSON, not an object). */
  error?: string;
}

export const LOG_LIMITS = { 'max-size': '10m', 'max-file': '3' } as const;
const LOCAL_LOG_DRIVERS = ['json-file', 'local'];

export type DaemonConfig = Record<string, unknown>;

export function parseDaemonJson(text: string | null): { ok: true; value: DaemonConfig } | { ok: false; error: string } {
  if (text === null || text.trim() === '') return { ok: true, value: {} };
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, error: 'its top level is not a JSON object' };
    return { ok: true, value: v as DaemonConfig };
  } catch (e) {
    return { ok: false, error: `it is not valid JSON (${(e as Error).message})` };
  }
}

/**
 * A flag's value on dockerd's command line: `--icc=false` -> "false",
 * `--live-restore` -> true, `--userns-remap default` -> "default"; undefined
 * when absent. Repeated flags (--log-opt) return the last.
 */
export function flagValue(argv: readonly string[], name: string, takesValue: boolean): string | true | undefined {
  let found: string | true | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) found = takesValue ? (argv[i + 1] ?? '') : true;
    else if (a.startsWith(`--${name}=`)) found = a.slice(name.length + 3);
  }
  return found;
}

function flagBool(argv: readonly string[], name: string): boolean | undefined {
  const v = flagValue(argv, name, false);
  if (v === undefined) return undefined;
  return v === true || v === 'true' || v === '1';
}

interface BoolSetting {
  key: string;
  want: boolean;
  /** dockerd's default when neither file nor flag sets it. */
  dflt: boolean;
  enabled: (o: DaemonHardening) => boolean;
}

const BOOL_SETTINGS: BoolSetting[] = [
  { key: 'no-new-privileges', want: true, dflt: false, enabled: (o) => o.noNewPrivileges },
  { key: 'icc', want: false, dflt: true, enabled: (o) => o.disableIcc },
  { key: 'live-restore', want: true, dflt: false, enabled: (o) => o.liveRestore },
  { key: 'userland-proxy', want: false, dflt: true, enabled: (o) => o.disableUserlandProxy },
];

/** Where a setting's value comes from now, for the plan and the audit. */
export interface SettingState {
  value: unknown;
  source: 'flag' | 'daemon.json' | 'default';
}

export function settingState(config: DaemonConfig, flags: readonly string[], key: string): SettingState {
  const bool = BOOL_SETTINGS.find((s) => s.key === key);
  if (bool) {
    const f = flagBool(flags, key);
    if (f !== undefined) return { value: f, source: 'flag' };
    if (key in config) return { value: config[key], source: 'daemon.json' };
    return { value: bool.dflt, source: 'default' };
  }
  if (key === 'userns-remap') {
    const f = flagValue(flags, key, true);
    if (typeof f === 'string') return { value: f, source: 'flag' };
    if (key in config) return { value: config[key], source: 'daemon.json' };
    return { value: '', source: 'default' };
  }
  if (key === 'log-opts') {
    const opts: Record<string, string> = {};
    for (let i = 0; i < flags.length; i++) {
      const a = flags[i]!;
      const kv = a === '--log-opt' ? flags[i + 1] : a.startsWith('--log-opt=') ? a.slice('--log-opt='.length) : undefined;
      if (kv) {
        const eq = kv.indexOf('=');
        if (eq > 0) opts[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
    }
    if (Object.keys(opts).length > 0) return { value: opts, source: 'flag' };
    if (key in config) return { value: config[key], source: 'daemon.json' };
    return { value: {}, source: 'default' };
  }
  if (key === 'log-driver') {
    const f = flagValue(flags, key, true);
    if (typeof f === 'string') return { value: f, source: 'flag' };
    if (key in config) return { value: config[key], source: 'daemon.json' };
    return { value: 'json-file', source: 'default' };
  }
  return key in config ? { value: config[key], source: 'daemon.json' } : { value: undefined, source: 'default' };
}

function hasLogLimits(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o['max-size'] === 'string' && o['max-size'] !== '' && o['max-size'] !== '-1';
}

export function planDaemonJson(before: string | null, want: DaemonHardening, rt: DaemonRuntime): DaemonJsonPlan {
  const parsed = parseDaemonJson(before);
  if (!parsed.ok) return { after: null, decisions: [], error: `/etc/docker/daemon.json cannot be merged: ${parsed.error}.` };
  const config: DaemonConfig = { ...parsed.value };
  const decisions: DaemonKeyDecision[] = [];

  for (const s of BOOL_SETTINGS) {
    if (!s.enabled(want)) continue;
    const state = settingState(config, rt.flags, s.key);
    if (s.key === 'live-restore' && rt.swarmActive) {
      decisions.push({ key: s.key, status: 'skipped', reason: 'live-restore does not work with swarm mode, which is active on this host' });
      continue;
    }
    if (state.source === 'flag') {
      decisions.push(
        state.value === s.want
          ? { key: s.key, status: 'already', value: state.value, reason: `--${s.key}${s.want ? '' : '=false'} is on dockerd's command line` }
          : { key: s.key, status: 'skipped', value: state.value, reason: `dockerd's command line sets --${s.key}=${String(state.value)}, and a key on the command line must not be repeated in daemon.json: change it in the service definition` },
      );
      continue;
    }
    if (state.source === 'daemon.json' && state.value === s.want) {
      decisions.push({ key: s.key, status: 'already', value: s.want, reason: 'already in daemon.json' });
      continue;
    }
    config[s.key] = s.want;
    decisions.push({ key: s.key, status: 'set', value: s.want, reason: state.source === 'daemon.json' ? `was ${JSON.stringify(state.value)}` : `dockerd's default is ${String(s.dflt)}` });
  }

  if (want.usernsRemap) {
    const state = settingState(config, rt.flags, 'userns-remap');
    if (typeof state.value === 'string' && state.value !== '') {
      decisions.push({ key: 'userns-remap', status: 'already', value: state.value, reason: state.source === 'flag' ? 'on dockerd\'s command line' : 'already in daemon.json' });
    } else if (state.source === 'flag') {
      decisions.push({ key: 'userns-remap', status: 'skipped', reason: 'dockerd\'s command line sets --userns-remap to nothing: change it in the service definition' });
    } else {
      config['userns-remap'] = 'default';
      decisions.push({ key: 'userns-remap', status: 'set', value: 'default', reason: 'containers\' root becomes an unprivileged user (dockremap) on the host' });
    }
  }

  if (want.limitLogs) {
    const driverState = settingState(config, rt.flags, 'log-driver');
    const driver = driverState.source === 'default' ? (rt.loggingDriver ?? 'json-file') : String(driverState.value);
    const optsState = settingState(config, rt.flags, 'log-opts');
    if (!LOCAL_LOG_DRIVERS.includes(driver)) {
      decisions.push({ key: 'log-opts', status: 'skipped', reason: `logs go to the ${driver} driver, not to files that grow on this disk; its own settings decide their size` });
    } else if (optsState.source === 'flag') {
      decisions.push(
        hasLogLimits(optsState.value)
          ? { key: 'log-opts', status: 'already', value: optsState.value, reason: '--log-opt max-size is on dockerd\'s command line' }
          : { key: 'log-opts', status: 'skipped', value: optsState.value, reason: 'dockerd\'s command line has --log-opt flags, so log-opts cannot go in daemon.json: add --log-opt max-size there' },
      );
    } else if (optsState.source === 'daemon.json' && (optsState.value === null || typeof optsState.value !== 'object' || Array.isArray(optsState.value))) {
      decisions.push({ key: 'log-opts', status: 'skipped', reason: 'log-opts in daemon.json is not an object; fix it by hand' });
    } else if (hasLogLimits(optsState.value)) {
      decisions.push({ key: 'log-opts', status: 'already', value: optsState.value, reason: 'daemon.json limits the log size already' });
    } else {
      const existing = (optsState.value ?? {}) as Record<string, unknown>;
      const merged = { ...existing, 'max-size': LOG_LIMITS['max-size'], 'max-file': typeof existing['max-file'] === 'string' ? existing['max-file'] : LOG_LIMITS['max-file'] };
      config['log-opts'] = merged;
      decisions.push({ key: 'log-opts', status: 'set', value: merged, reason: `container logs (${driver}) grow without limit by default and can fill the disk` });
    }
  }

  const changed = decisions.some((d) => d.status === 'set');
  return { after: changed ? `${JSON.stringify(config, null, 2)}\n` : null, decisions };
}
