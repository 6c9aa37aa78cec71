import type { Profile } from '../../../shared/profile';
import { toErrorInfo } from '../errors';
import type { ConnectionManager } from '../ssh/manager';
import type { SshConnection } from '../ssh/connection';
import { readFile, writeFileAtomic } from '../ssh/remote-files';
import type { Connections, Target } from './target';

/** The engine's view of one reused SSH connection. */
export function targetFromConnection(conn: SshConnection): Target {
  return {
    profile: conn.profile,
    exec: (argv, opts = {}) => conn.exec(argv, opts),
    probe: async (commands, opts = {}) => conn.probe(commands, opts),
    readFile: (path, opts = {}) => readFile(conn, path, { ...opts, missingOk: true }),
    writeFile: async (path, content, opts = {}) => {
      const r = await writeFileAtomic(conn, path, content, opts);
      return { backupPath: r.backupPath };
    },
  };
}

/**
 * Connections for the engine, over the shared ConnectionManager: the reused
 * connection for work, a separate brand-new one for proofs ("can the
 * operator still get in?"), and waitForSsh after reboots and restores.
 */
export class ManagedConnections implements Connections {
  private readonly targets = new WeakMap<SshConnection, Target>();

  constructor(private readonly manager: ConnectionManager) {}

  private wrap(conn: SshConnection): Target {
    let t = this.targets.get(conn);
    if (!t) {
      t = targetFromConnection(conn);
      this.targets.set(conn, t);
    }
    return t;
  }

  async target(profile: Profile, opts: { signal?: AbortSignal } = {}): Promise<Target> {
    return this.wrap(await this.manager.get(profile, opts));
  }

  async freshLogin(profile: Profile, opts: { user?: string; timeoutMs?: number } = {}): Promise<{ ok: boolean; evidence: string }> {
    const t0 = Date.now();
    let conn: SshConnection | null = null;
    try {
      conn = await this.manager.connectFresh(profile, { timeoutMs: opts.timeoutMs ?? 30_000, ...(opts.user ? { user: opts.user } : {}) });
      const r = await conn.exec(['id', '-u'], { elevate: true, timeoutMs: 30_000 });
      const ok = r.code === 0 && r.stdout.trim() === '0';
      return {
        ok,
        evidence: ok
          ? `new ${conn.authMethod} login as ${conn.profile.user} in ${Date.now() - t0} ms, elevation gives uid 0`
          : `logged in with ${conn.authMethod}, but elevation failed: ${(r.stderr || r.stdout).trim().slice(0, 200)}`,
      };
    } catch (e) {
      return { ok: false, evidence: toErrorInfo(e).message };
    } finally {
      if (conn) await conn.close().catch(() => undefined);
    }
  }

  async reconnect(profile: Profile, opts: { deadlineMs: number; onProgress?: (message: string) => void; signal?: AbortSignal }): Promise<Target> {
    const conn = await this.manager.waitForSsh(profile, {
      deadlineMs: opts.deadlineMs,
      ...(opts.onProgress ? { onProgress: (p) => opts.onProgress!(p.message) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return this.wrap(conn);
  }

  drop(profile: Profile): void {
    this.manager.forget(profile.name);
  }

  /**
   * Asks the server which methods it would accept for `user`, without
   * offering any credential, the way the profile reaches it (its jump host,
   * its host-key trust): a verify that asked some other address would judge
   * the wrong server.
   */
  offeredAuthMethods(profile: Profile, user: string): Promise<string[]> {
    return this.manager.offeredAuthMethods(profile, user, { timeoutMs: 20_000 });
  }
}
