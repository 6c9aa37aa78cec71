import type { Profile } from '../../../shared/profile';
import type { ElevationMode } from './elevation';
import { connect, type ConnectOptions, type SshConnection } from './connection';
import type { HostKeyTrust } from './host-key-verifier';
import type { ConnectionManager } from './manager';
import { parseOsRelease } from '../distro/os-release';

export interface SshCheckResult {
  profile: string;
  hostKey: { keyType: string; fingerprint: string; status: HostKeyTrust };
  authMethod: string;
  elevation: ElevationMode;
  /** Why elevation is what it is, when that needs saying (e.g. sudo needs a password). */
  elevationNote?: string;
  os?: string;
  kernel?: string;
  durationMs: number;
  connectMs: number;
}

export type SshCheckDeps = { manager: ConnectionManager; signal?: AbortSignal } | (ConnectOptions & { manager?: undefined });

/**
 * `hardenlab ssh-check`: connect (verifying the host key), then in parallel
 * detect elevation and read the OS and kernel. With a manager the shared
 * connection is used (and kept); otherwise a connection is made for the
 * check and closed after it.
 */
export async function sshCheck(profile: Profile, deps: SshCheckDeps): Promise<SshCheckResult> {
  const started = Date.now();
  const conn: SshConnection = deps.manager ? await deps.manager.get(profile, deps.signal ? { signal: deps.signal } : {}) : await connect(profile, deps);
  try {
    const [elevation, facts] = await Promise.all([
      conn.elevation(),
      conn.probe({ osRelease: ['cat', '/etc/os-release'], kernel: ['uname', '-r'] }, { timeoutMs: 30_000 }),
    ]);
    const os = facts.osRelease.code === 0 ? parseOsRelease(facts.osRelease.stdout).prettyName : undefined;
    const kernel = facts.kernel.code === 0 ? facts.kernel.stdout.trim() : undefined;
    const result: SshCheckResult = {
      profile: profile.name,
      hostKey: { keyType: conn.hostKey.keyType, fingerprint: conn.hostKey.fingerprint, status: conn.hostKey.status },
      authMethod: conn.authMethod,
      elevation: elevation.mode,
      durationMs: Date.now() - started,
      connectMs: conn.connectMs,
    };
    if (elevation.note) result.elevationNote = elevation.note;
    if (os) result.os = os;
    if (kernel) result.kernel = kernel;
    return result;
  } finally {
    if (!deps.manager) await conn.close();
  }
}
