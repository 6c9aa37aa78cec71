import type { Profile } from '../../../shared/profile';
import { HardenLabError } from '../errors';

/**
 * The VM as steps see it: a narrow interface over one reused SSH connection.
 * Steps never open connections, never quote, never touch the hypervisor: the
 * engine does that. Every argv is quoted by shared/quote.ts inside the SSH
 * layer; `elevate` runs it as root through the profile's sudo or doas.
 */
export interface TargetExecOptions {
  stdin?: string;
  elevate?: boolean;
  timeoutMs?: number;
  maxOutputBytes?: number;
  env?: Record<string, string>;
  signal?: AbortSignal;
}

export interface TargetExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  durationMs: number;
}

export interface TargetProbeItem {
  code: number | null;
  stdout: string;
  stderr?: string;
}

export interface TargetWriteOptions {
  elevate?: boolean;
  mode?: string | number;
  owner?: string;
  backup?: boolean;
}

export interface Target {
  readonly profile: Profile;
  exec(argv: readonly string[], opts?: TargetExecOptions): Promise<TargetExecResult>;
  /** Many read-only facts in one round trip. */
  probe<K extends string>(commands: Record<K, readonly string[]>, opts?: { elevate?: boolean; timeoutMs?: number }): Promise<Record<K, TargetProbeItem>>;
  /** null when the file does not exist. */
  readFile(path: string, opts?: { elevate?: boolean }): Promise<string | null>;
  /** Atomic write keeping mode and owner, with a backup of the old content. */
  writeFile(path: string, content: string, opts?: TargetWriteOptions): Promise<{ backupPath: string | null }>;
}

/** What the engine needs from the SSH layer. */
export interface Connections {
  /** The reused connection for this profile (connecting if needed). */
  target(profile: Profile, opts?: { signal?: AbortSignal }): Promise<Target>;
  /**
   * Proves the VM can still be reached the way its operator reaches it: a
   * brand-new connection with the profile's credentials, then an elevated
   * `true`. Never throws; returns the evidence either way.
   */
  freshLogin(profile: Profile, opts?: { user?: string; timeoutMs?: number }): Promise<{ ok: boolean; evidence: string }>;
  /** What the server offers a user before any credential is tried (e.g. ["publickey"]). */
  offeredAuthMethods?(profile: Profile, user: string): Promise<string[]>;
  /** Drops the current connection and waits for SSH to answer again (reboot, restore). */
  reconnect(profile: Profile, opts: { deadlineMs: number; onProgress?: (message: string) => void; signal?: AbortSignal }): Promise<Target>;
  /** Forget the connection without waiting (it is known to be dead). */
  drop(profile: Profile): void;
}

/** Runs a command and throws REMOTE_COMMAND_FAILED with its output when it fails. */
export async function mustExec(target: Target, argv: readonly string[], opts: TargetExecOptions = {}, what?: string): Promise<TargetExecResult> {
  const r = await target.exec(argv, opts);
  if (r.code !== 0) {
    const output = (r.stderr || r.stdout).trim().split('\n').slice(-12).join('\n');
    throw new HardenLabError('REMOTE_COMMAND_FAILED', `${what ?? `\`${argv.join(' ')}\``} failed on ${target.profile.host} (exit ${r.code ?? r.signal}).`, {
      detail: output,
      hint: output ? `Its output ends with: ${output.split('\n').slice(-3).join(' / ')}` : undefined,
    });
  }
  return r;
}
