import { sleep } from '../sleep';
import type { Profile } from '../../../shared/profile';
import { HardenLabError, isHardenLabError } from '../errors';
import type { SecretStore } from '../secrets/secret-store';
import { backoffDelay, type BackoffOptions } from './backoff';
import { connect, offeredAuthMethods, type ConnectOptions, type SshConnection } from './connection';
import { sessionEntry, type HostKeyPrompter } from './host-key-verifier';
import { hostLookupName, type KnownHostEntry } from './known-hosts';
import { KnownHostsStore } from './known-hosts-store';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

export interface ConnectionStateEvent {
  profile: string;
  state: ConnectionState;
  message?: string;
}

export interface ConnectionManagerOptions {
  secrets: SecretStore;
  prompter?: HostKeyPrompter;
  knownHostsPath?: string;
  userKnownHostsPath?: string | null;
  connectTimeoutMs?: number;
  promptTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  maxSessions?: number;
  env?: NodeJS.ProcessEnv;
  onState?: (event: ConnectionStateEvent) => void;
}

export interface WaitForSshOptions {
  /** Give up after this long overall (default 180 s). */
  deadlineMs?: number;
  /** Per-try connect timeout (default 10 s, never past the deadline). */
  attemptTimeoutMs?: number;
  backoff?: BackoffOptions;
  onProgress?: (p: { attempt: number; elapsedMs: number; message: string }) => void;
  signal?: AbortSignal;
}

interface Slot {
  profile: Profile;
  conn: SshConnection | null;
  pending: Promise<SshConnection> | null;
  state: ConnectionState;
  since: Date;
}

/** The fields that decide where and how we log in; any change means a new connection. */
function connectionKey(p: Profile): string {
  return JSON.stringify([p.host, p.port, p.user, p.auth, p.pinnedHostKey ?? null, p.proxyJump ?? null, p.elevation]);
}


/**
 * One live connection per profile name, shared by every caller (steps,
 * terminals, probes). It connects on first use, hands out the same
 * connection while it lives, notices a drop (the connection's 'close'), and
 * reconnects on the next use or through waitForSsh after a reboot or a
 * snapshot restore. A key the user trusted once is remembered for the rest
 * of this session, so a reconnect does not ask again; the host key is still
 * checked on every reconnect.
 */
export class ConnectionManager {
  private readonly slots = new Map<string, Slot>();
  private readonly sessionTrust: KnownHostEntry[] = [];
  private readonly opts: ConnectionManagerOptions;
  readonly knownHosts: KnownHostsStore;

  constructor(opts: ConnectionManagerOptions) {
    this.opts = opts;
    this.knownHosts = new KnownHostsStore({ ...(opts.knownHostsPath ? { file: opts.knownHostsPath } : {}), userFile: opts.userKnownHostsPath ?? null });
  }

  /** The live connection for this profile, connecting (once, even for concurrent callers) when there is none. */
  async get(profile: Profile, opts: { signal?: AbortSignal; secrets?: SecretStore } = {}): Promise<SshConnection> {
    const slot = this.slots.get(profile.name);
    if (slot && connectionKey(slot.profile) === connectionKey(profile)) {
      if (slot.conn && !slot.conn.closed) return slot.conn;
      if (slot.pending) return slot.pending;
    } else if (slot) {
      await this.disconnect(profile.name);
    }
    return this.open(profile, 'connecting', opts);
  }

  /** Drops any connection for this profile and makes a new one. */
  async reconnect(profile: Profile, opts: { signal?: AbortSignal; secrets?: SecretStore } = {}): Promise<SshConnection> {
    this.drop(profile.name);
    return this.open(profile, 'reconnecting', opts);
  }

  /**
   * Waits until the VM answers SSH again (after a reboot or a snapshot
   * restore) and returns a fresh connection. Only "cannot connect" errors
   * are retried, with exponential backoff under an overall deadline; a
   * changed host key, a refused login or a missing secret fail at once,
   * since waiting cannot fix them.
   */
  async waitForSsh(profile: Profile, opts: WaitForSshOptions = {}): Promise<SshConnection> {
    const started = Date.now();
    const deadline = started + (opts.deadlineMs ?? 180_000);
    this.drop(profile.name);
    this.setState(profile, 'reconnecting', 'waiting for SSH');
    let lastError: HardenLabError | null = null;
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      opts.onProgress?.({ attempt: attempt + 1, elapsedMs: Date.now() - started, message: attempt === 0 ? `Connecting to ${profile.host}:${profile.port}` : `Try ${attempt + 1}: ${lastError?.message ?? ''}` });
      try {
        const conn = await this.open(profile, 'reconnecting', {
          quiet: true,
          timeoutMs: Math.max(1, Math.min(opts.attemptTimeoutMs ?? 10_000, remaining)),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        return conn;
      } catch (e) {
        if (!isHardenLabError(e) || e.code !== 'CONNECT_FAILED') {
          this.setState(profile, 'failed', isHardenLabError(e) ? e.message : String(e));
          throw e;
        }
        lastError = e;
      }
      const wait = Math.min(backoffDelay(attempt, opts.backoff), deadline - Date.now());
      if (wait <= 0) {
        const seconds = Math.round((Date.now() - started) / 1000);
        const err = new HardenLabError('TIMEOUT', `${profile.host}:${profile.port} did not accept SSH within ${seconds} s (${attempt + 1} tries). Last error: ${lastError.message}`, {
          hint: 'The VM may not have booted, or its network or sshd may be broken. Check its console; reverting the snapshot brings back the last good state.',
          cause: lastError,
        });
        this.setState(profile, 'failed', err.message);
        throw err;
      }
      try {
        await sleep(wait, opts.signal);
      } catch {
        this.setState(profile, 'failed', 'cancelled');
        throw new HardenLabError('CANCELLED', `Waiting for SSH on ${profile.host}:${profile.port} was cancelled.`);
      }
    }
  }

  current(name: string): SshConnection | undefined {
    const c = this.slots.get(name)?.conn;
    return c && !c.closed ? c : undefined;
  }

  status(): Array<{ profile: string; state: ConnectionState; since: string }> {
    return [...this.slots.entries()].map(([name, s]) => ({ profile: name, state: s.state, since: s.since.toISOString() }));
  }

  async disconnect(name: string): Promise<void> {
    const slot = this.slots.get(name);
    if (!slot) return;
    this.slots.delete(name);
    const conn = slot.conn;
    if (conn && !conn.closed) await conn.close();
    this.opts.onState?.({ profile: name, state: 'disconnected' });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.slots.keys()].map((n) => this.disconnect(n)));
  }

  /** The explicit way past a changed key: forget host:port in the app's known_hosts and this session. */
  async forgetHostKey(host: string, port: number): Promise<{ removed: number; file: string }> {
    const name = hostLookupName(host, port);
    for (let i = this.sessionTrust.length - 1; i >= 0; i--) if (this.sessionTrust[i]!.hosts === name) this.sessionTrust.splice(i, 1);
    return this.knownHosts.remove(host, port);
  }

  /**
   * A separate, brand-new connection with the same trust and secrets, not
   * shared and not kept: the proof that the VM can still be reached the way
   * the operator reaches it (it never prompts; an unknown key is an error).
   * The caller closes it.
   */
  connectFresh(profile: Profile, extra: { timeoutMs?: number; signal?: AbortSignal; user?: string } = {}): Promise<SshConnection> {
    const target = extra.user ? { ...profile, user: extra.user } : profile;
    return connect(target, this.unpromptedOptions(extra));
  }

  /**
   * Which login methods the server offers `user` before any credential, asked
   * over a separate connection that takes the profile's jump host and trusts
   * what connectFresh trusts (it never prompts).
   */
  offeredAuthMethods(profile: Profile, user: string, extra: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string[]> {
    return offeredAuthMethods(profile, user, this.unpromptedOptions(extra));
  }

  private unpromptedOptions(extra: { timeoutMs?: number; signal?: AbortSignal }): ConnectOptions {
    return {
      secrets: this.opts.secrets,
      ...(this.opts.knownHostsPath ? { knownHostsPath: this.opts.knownHostsPath } : {}),
      userKnownHostsPath: this.opts.userKnownHostsPath ?? null,
      sessionEntries: this.sessionTrust,
      timeoutMs: extra.timeoutMs ?? this.opts.connectTimeoutMs ?? 20_000,
      ...(this.opts.maxSessions !== undefined ? { maxSessions: this.opts.maxSessions } : {}),
      ...(this.opts.env ? { env: this.opts.env } : {}),
      ...(extra.signal ? { signal: extra.signal } : {}),
    };
  }

  /** Forgets the connection at once without a polite close (it is known to be dead: reboot, restore). */
  forget(name: string): void {
    this.drop(name);
  }

  private drop(name: string): void {
    const slot = this.slots.get(name);
    if (!slot) return;
    this.slots.delete(name);
    // After a restore the old TCP connection is a ghost; do not wait for a polite goodbye.
    if (slot.conn && !slot.conn.closed) slot.conn.destroy();
  }

  private setState(profile: Profile, state: ConnectionState, message?: string): void {
    const slot = this.slots.get(profile.name);
    if (slot) {
      slot.state = state;
      slot.since = new Date();
    }
    this.opts.onState?.({ profile: profile.name, state, ...(message ? { message } : {}) });
  }

  /** `quiet`: a retry inside waitForSsh; its failures are not announced one by one. */
  private open(profile: Profile, state: ConnectionState, extra: { signal?: AbortSignal; secrets?: SecretStore; timeoutMs?: number; quiet?: boolean }): Promise<SshConnection> {
    const slot: Slot = { profile, conn: null, pending: null, state, since: new Date() };
    this.slots.set(profile.name, slot);
    if (!extra.quiet) this.setState(profile, state);
    const options: ConnectOptions = {
      secrets: extra.secrets ?? this.opts.secrets,
      ...(this.opts.prompter ? { prompter: this.opts.prompter } : {}),
      ...(this.opts.knownHostsPath ? { knownHostsPath: this.opts.knownHostsPath } : {}),
      userKnownHostsPath: this.opts.userKnownHostsPath ?? null,
      sessionEntries: this.sessionTrust,
      timeoutMs: extra.timeoutMs ?? this.opts.connectTimeoutMs ?? 20_000,
      ...(this.opts.promptTimeoutMs !== undefined ? { promptTimeoutMs: this.opts.promptTimeoutMs } : {}),
      ...(this.opts.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: this.opts.keepaliveIntervalMs } : {}),
      ...(this.opts.keepaliveCountMax !== undefined ? { keepaliveCountMax: this.opts.keepaliveCountMax } : {}),
      ...(this.opts.maxSessions !== undefined ? { maxSessions: this.opts.maxSessions } : {}),
      ...(this.opts.env ? { env: this.opts.env } : {}),
      ...(extra.signal ? { signal: extra.signal } : {}),
    };
    slot.pending = connect(profile, options).then(
      (conn) => {
        slot.pending = null;
        if (this.slots.get(profile.name) !== slot) {
          // Disconnected or replaced while connecting.
          void conn.close();
          throw new HardenLabError('CANCELLED', `The connection to ${profile.name} was closed while it was being made.`);
        }
        slot.conn = conn;
        if (conn.hostKey.status === 'trusted-once' && !this.sessionTrust.some((e) => e.key.blob.equals(conn.hostKey.key.blob) && e.hosts === hostLookupName(profile.host, profile.port))) {
          this.sessionTrust.push(sessionEntry(profile.host, profile.port, conn.hostKey.key));
        }
        this.setState(profile, 'connected');
        conn.on('close', (info) => {
          if (this.slots.get(profile.name) !== slot) return;
          slot.conn = null;
          this.setState(profile, 'disconnected', info.unexpected ? `The connection to ${profile.host} was lost${info.error ? `: ${info.error.message}` : ''}.` : undefined);
        });
        return conn;
      },
      (e: unknown) => {
        slot.pending = null;
        if (this.slots.get(profile.name) === slot) {
          this.slots.delete(profile.name);
          if (!extra.quiet) this.opts.onState?.({ profile: profile.name, state: 'failed', message: isHardenLabError(e) ? e.message : String(e) });
        }
        throw e;
      },
    );
    return slot.pending;
  }
}
