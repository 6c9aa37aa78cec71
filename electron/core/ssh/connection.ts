import type { ClientChannel } from 'ssh2';
import type { Profile } from '../../../shared/profile';
import { shellJoin } from '../../../shared/quote';
import { HardenLabError } from '../errors';
import type { SecretKind, SecretStore } from '../secrets/secret-store';
import type { AuthMethod } from './auth';
import { classifyDropError } from './connect-errors';
import { buildCommandArgv, noElevationError, type ElevationMode, type ElevationReport } from './elevation';
import { inspectElevation } from './elevation-detect';
import { ChannelOpenError, runExecChannel, type RawExecResult } from './exec-channel';
import type { HostKeyPrompter, VerifiedHostKey } from './host-key-verifier';
import type { KnownHostEntry } from './known-hosts';
import { ChannelScheduler } from './channel-scheduler';
import { buildProbeScript, newProbeToken, parseProbeOutput, type ProbeCommands, type ProbeResults } from './probe';
import { CommandRunner, runnerRequest } from './runner';
import type { Client } from './ssh2-runtime';

export interface ExecOptions {
  stdin?: string | Buffer;
  /** Whole call, including time queued behind other channels. Default 120 s; 0 = no limit. */
  timeoutMs?: number;
  /** Cap per stream (stdout, stderr); the rest is dropped and `truncated` set. Default 16 MiB. */
  maxOutputBytes?: number;
  /** Run as root through the connection's elevation (sudo -n, sudo -S with the password on stdin, or doas). */
  elevate?: boolean;
  /** Environment for the command, applied with `env K=V` on the remote side (sshd drops most env requests). */
  env?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  durationMs: number;
}

export interface ConnectOptions {
  secrets: SecretStore;
  /** Asked about unknown host keys; without one, an unknown key is an error (HOST_KEY_UNKNOWN). */
  prompter?: HostKeyPrompter;
  /** The app's known_hosts file (default: hardenlabHome()/known_hosts). */
  knownHostsPath?: string;
  /** Also trust this read-only file (typically ~/.ssh/known_hosts); null/undefined = do not. */
  userKnownHostsPath?: string | null;
  /** Keys the user trusted once in this session (kept by the ConnectionManager). */
  sessionEntries?: readonly KnownHostEntry[];
  /** Handshake and login, not counting time spent waiting for a host-key answer. Default 20 s. */
  timeoutMs?: number;
  promptTimeoutMs?: number;
  signal?: AbortSignal;
  /** Keepalive probes; after keepaliveCountMax unanswered ones the connection counts as dropped. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Sessions the server allows per connection (sshd MaxSessions, default 10). */
  maxSessions?: number;
  /** Where SSH_AUTH_SOCK is read from (tests). */
  env?: NodeJS.ProcessEnv;
  /**
   * Run short commands without stdin through one long-lived remote sh (see
   * runner.ts) instead of a channel each. Default: on, unless the
   * environment sets HARDENLAB_SSH_RUNNER=0.
   */
  commandRunner?: boolean;
}

export interface CloseInfo {
  /** True when the connection ended without close() being called (network drop, reboot, sshd restart). */
  unexpected: boolean;
  error?: HardenLabError;
}

type Listener<T> = (value: T) => void;

const DEFAULT_EXEC_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;
/** Tries to open a channel for one command while the server refuses (each waits for an open one to close). */
const MAX_OPEN_ATTEMPTS = 20;
/** Refusals while none of our channels is open (50 ms, doubling: 1.5 s in all) before it counts as "no sessions allowed". */
const MAX_IDLE_REFUSALS = 5;

/**
 * One authenticated SSH connection, reused for everything: exec channels
 * (queued under the server's session limit), probes, file edits and
 * terminal shells. 'close' fires once, whether we closed it or it dropped.
 */
export class SshConnection {
  readonly profile: Profile;
  readonly hostKey: VerifiedHostKey;
  readonly authMethod: AuthMethod;
  readonly connectedAt: Date;
  readonly connectMs: number;
  /** @internal the ssh2 client; other modules of this folder open shells on it. */
  readonly client: Client;
  private readonly secrets: SecretStore;
  private readonly channels: ChannelScheduler;
  private readonly jump: SshConnection | null;
  /** Exec channels the server has opened and not yet closed. */
  private openChannels = 0;
  /** The command runner: running, being started, or off for this connection (and why). */
  private runner: CommandRunner | null = null;
  private runnerStarting = false;
  private runnerOff: string | null;
  private isClosed = false;
  private closing = false;
  private elevationReport: Promise<ElevationReport> | null = null;
  private readonly closeListeners = new Set<Listener<CloseInfo>>();
  private readonly errorListeners = new Set<Listener<HardenLabError>>();
  private lastError: HardenLabError | undefined;

  /** @internal use connect() */
  constructor(init: {
    client: Client;
    profile: Profile;
    hostKey: VerifiedHostKey;
    authMethod: AuthMethod;
    connectMs: number;
    secrets: SecretStore;
    maxSessions: number;
    jump: SshConnection | null;
    commandRunner: boolean;
  }) {
    this.client = init.client;
    this.profile = init.profile;
    this.hostKey = init.hostKey;
    this.authMethod = init.authMethod;
    this.connectMs = init.connectMs;
    this.connectedAt = new Date();
    this.secrets = init.secrets;
    this.channels = new ChannelScheduler(init.maxSessions, () => !!this.runner || this.runnerStarting);
    this.jump = init.jump;
    this.runnerOff = init.commandRunner ? null : 'turned off';
    this.client.on('error', (e) => {
      this.lastError = classifyDropError(e, { host: this.profile.host, port: this.profile.port });
      for (const l of this.errorListeners) l(this.lastError);
    });
    this.client.on('close', () => this.markClosed());
    this.jump?.on('close', () => this.client.end());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get target(): string {
    return `${this.profile.user}@${this.profile.host}:${this.profile.port}`;
  }

  /** Channels running and waiting, for status displays and tests. */
  get channelStats(): { execCapacity: number; running: number; queued: number; shells: number; runner: 'idle' | 'busy' | 'none' | 'off' } {
    const runner = this.runnerOff !== null ? 'off' : !this.runner ? 'none' : this.runner.idle ? 'idle' : 'busy';
    return { ...this.channels.stats(), runner };
  }

  /** Why the command runner is not used on this connection, or null while it is. */
  get runnerOffReason(): string | null {
    return this.runnerOff;
  }

  on(event: 'close', listener: Listener<CloseInfo>): () => void;
  on(event: 'error', listener: Listener<HardenLabError>): () => void;
  on(event: 'close' | 'error', listener: Listener<CloseInfo> | Listener<HardenLabError>): () => void {
    const set = (event === 'close' ? this.closeListeners : this.errorListeners) as Set<typeof listener>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** A secret of this profile, for sudo. */
  getSecret(kind: SecretKind): Promise<string | undefined> {
    return this.secrets.get(this.profile.name, kind);
  }

  /** How this login becomes root; detected once per connection (one probe round trip). */
  elevation(): Promise<ElevationReport> {
    if (!this.elevationReport) {
      this.elevationReport = inspectElevation(this);
      this.elevationReport.catch(() => {
        this.elevationReport = null;
      });
    }
    return this.elevationReport;
  }

  /** Forget the detected elevation (after the sudo password was entered, or sudoers changed). */
  resetElevation(): void {
    this.elevationReport = null;
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const raw = await this.execRaw(argv, opts);
    return { ...raw, stdout: raw.stdout.toString('utf8'), stderr: raw.stderr.toString('utf8') };
  }

  /**
   * Runs argv on the VM. The command line is built only by shellJoin, so
   * every argument reaches the program as one literal word. A non-zero exit
   * is a result, not an exception; a timeout is (TIMEOUT).
   */
  async execRaw(argv: readonly string[], opts: ExecOptions = {}): Promise<RawExecResult> {
    this.assertOpen();
    let mode: ElevationMode | undefined;
    let password: string | undefined;
    if (opts.elevate) {
      const report = await this.elevation();
      mode = report.mode;
      if (mode === 'none') throw noElevationError(report, this.target, this.profile.elevation);
      if (mode === 'sudo-password') password = await this.getSecret('password');
    }
    const built = buildCommandArgv(argv, { mode, env: opts.env, password });
    const command = shellJoin(built.argv);
    const userStdin = opts.stdin === undefined ? undefined : Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin, 'utf8');
    const stdin = built.stdinPrefix ? Buffer.concat([built.stdinPrefix, userStdin ?? Buffer.alloc(0)]) : userStdin;
    const label = `"${shellJoin(argv).slice(0, 120)}" on ${this.profile.host}`;
    return this.runCommand(command, stdin, label, opts);
  }

  /** Runs a POSIX sh script (passed as `sh -c SCRIPT sh ARGS...`): arguments stay out of the script text. */
  execScript(script: string, args: readonly string[], opts: ExecOptions = {}): Promise<RawExecResult> {
    return this.execRaw(['sh', '-c', script, 'sh', ...args], opts);
  }

  /**
   * Many read-only facts in one round trip: one channel runs all commands
   * (framed by a random token) and the output is split back per name.
   */
  async probe<K extends string>(commands: Record<K, readonly string[]>, opts: Omit<ExecOptions, 'stdin'> = {}): Promise<ProbeResults<K>> {
    const token = newProbeToken();
    const script = buildProbeScript(commands as ProbeCommands, token);
    const r = await this.execScript(script, [], { maxOutputBytes: 64 * 1024 * 1024, ...opts });
    if (r.truncated) throw new HardenLabError('REMOTE_COMMAND_FAILED', `The probe output from ${this.profile.host} passed its size limit.`);
    return parseProbeOutput(Object.keys(commands) as K[], token, r.stdout.toString('utf8'));
  }

  /** @internal shells take a session each and shrink the exec budget, never below one channel. */
  reserveShell(): () => void {
    this.assertOpen();
    return this.channels.reserveShell(this.profile.host);
  }

  /** Exec channels allowed at once: the server's sessions minus headroom, terminals and the runner. */
  private updateCapacity(): void {
    this.channels.updateCapacity();
  }

  /**
   * @internal opens a pty shell channel; `attach` runs synchronously in
   * ssh2's callback so no early event (exit, close) can be missed.
   */
  openShellChannel(opts: { cols: number; rows: number; term: string }, attach: (channel: ClientChannel) => void): Promise<ClientChannel> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      this.client.shell({ term: opts.term, cols: opts.cols, rows: opts.rows, width: 0, height: 0 }, (err, ch) => {
        if (err) return reject(new HardenLabError('REMOTE_COMMAND_FAILED', `${this.profile.host} refused to open a terminal: ${err.message}`));
        attach(ch);
        resolve(ch);
      });
    });
  }

  /** Ends the connection politely; resolves once it is closed. */
  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.closing = true;
    return new Promise((resolve) => {
      const off = this.on('close', () => {
        off();
        resolve();
      });
      this.client.end();
      setTimeout(() => {
        if (!this.isClosed) this.client.destroy();
      }, 3_000).unref();
    });
  }

  /** Drops the connection at once (the socket is destroyed, as if the network failed). */
  destroy(): void {
    this.client.destroy();
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const info: CloseInfo = { unexpected: !this.closing };
    if (this.lastError) info.error = this.lastError;
    for (const l of this.closeListeners) l(info);
    if (this.jump && !this.jump.closed) void this.jump.close();
  }

  private assertOpen(): void {
    if (this.isClosed) {
      throw new HardenLabError('NOT_CONNECTED', `The connection to ${this.target} is closed.`, { hint: 'Reconnect and try again.' });
    }
  }

  private async runCommand(command: string, stdin: Buffer | undefined, label: string, opts: ExecOptions): Promise<RawExecResult> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    const maxOutputBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    if (stdin === undefined) {
      const viaRunner = this.tryRunner(command, { timeoutMs, deadline, maxOutputBytes, signal: opts.signal, label });
      if (viaRunner) {
        const r = await viaRunner;
        if (r) return r;
      }
    }
    let idleRefusals = 0;
    for (let attempt = 0; ; attempt++) {
      const release = await this.channels.acquire(deadline, label, opts.signal);
      let opened = false;
      try {
        this.assertOpen();
        const remaining = deadline === Infinity ? 0 : Math.max(1, deadline - Date.now());
        const onOpened = () => {
          opened = true;
          this.openChannels++;
        };
        return await this.unlessDropped(await runExecChannel(this.client, { command, stdin, timeoutMs: remaining, maxOutputBytes, signal: opts.signal, label, onOpened }), label);
      } catch (e) {
        if (!(e instanceof ChannelOpenError)) throw e;
        if (this.isClosed) throw new HardenLabError('NOT_CONNECTED', `The connection to ${this.target} is closed.`, { hint: 'Reconnect and try again.', cause: e });
        // The server allows fewer sessions than we assumed (a hardened MaxSessions): allow only as many
        // channels as are open right now, and wait for one of them to close.
        const busy = this.openChannels;
        if (busy < 1 && this.runner && attempt < MAX_OPEN_ATTEMPTS) {
          // The runner holds the session this command needs: give it back for good.
          await this.retireRunner('the server allows too few sessions');
          continue;
        }
        // With nothing of ours open, sessions that just closed may not be free on the server yet: wait a little.
        if (busy < 1) idleRefusals++;
        if (idleRefusals > MAX_IDLE_REFUSALS || attempt >= MAX_OPEN_ATTEMPTS) {
          throw new HardenLabError('REMOTE_COMMAND_FAILED', `${this.profile.host} refused a new channel for ${label}: ${e.message}`, {
            hint: 'sshd may limit sessions (MaxSessions) or forbid command execution for this user.',
            cause: e,
          });
        }
        if (busy >= 1) this.channels.setCapacity(busy);
        else await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (idleRefusals - 1)));
      } finally {
        if (opened) this.openChannels--;
        release();
      }
    }
  }

  /**
   * A command that ends without an exit status (its channel or the runner
   * closed under it) usually means the connection went away; ssh2 closes the
   * channels just before it reports the connection closed, so look a tick
   * later. Then it is NOT_CONNECTED, otherwise the result as it is.
   */
  private async unlessDropped(r: RawExecResult, label: string): Promise<RawExecResult> {
    if (r.code !== null || r.signal !== null) return r;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.isClosed) {
      throw new HardenLabError('NOT_CONNECTED', `The connection to ${this.target} dropped while running ${label}.`, {
        hint: 'The VM may have rebooted or lost its network. Reconnect; check whether the command took effect.',
      });
    }
    return r;
  }

  /**
   * Runs the command through the runner when it is idle (starting it on first
   * use). Returns null synchronously when the command must take a channel
   * (runner busy, starting, off, or the line too long), or a promise that
   * resolves to null when the runner could not be started. Claiming the
   * runner happens synchronously, so two callers never share it.
   */
  private tryRunner(
    command: string,
    o: { timeoutMs: number; deadline: number; maxOutputBytes: number; signal: AbortSignal | undefined; label: string },
  ): Promise<RawExecResult | null> | null {
    if (this.runnerOff !== null || this.runnerStarting || runnerRequest(0, command) === null) return null;
    const runOn = async (runner: CommandRunner): Promise<RawExecResult> => {
      const timeoutMs = o.deadline === Infinity ? 0 : Math.max(1, o.deadline - Date.now());
      const r = await runner.run(command, { timeoutMs, maxOutputBytes: o.maxOutputBytes, signal: o.signal, label: o.label });
      if (this.runnerOff !== null) void runner.stop();
      return this.unlessDropped(r, o.label);
    };
    if (this.runner) return this.runner.idle ? runOn(this.runner) : null;
    if (o.signal?.aborted) return null;
    this.runnerStarting = true;
    this.updateCapacity();
    return (async () => {
      let runner: CommandRunner;
      try {
        runner = await CommandRunner.start(this.client);
      } catch (e) {
        // No POSIX sh, a ForceCommand, MaxSessions reached...: plain channels work everywhere.
        this.runnerOff = `could not start: ${(e as Error).message}`;
        return null;
      } finally {
        this.runnerStarting = false;
        this.updateCapacity();
      }
      if (this.isClosed || this.runnerOff !== null) {
        void runner.stop();
        return null;
      }
      this.runner = runner;
      this.updateCapacity();
      runner.onEnd(() => {
        if (this.runner === runner) this.runner = null;
        this.updateCapacity();
      });
      return runOn(runner);
    })();
  }

  /** Stops using the runner on this connection (after its current command, if any). */
  private async retireRunner(why: string): Promise<void> {
    this.runnerOff = why;
    const runner = this.runner;
    if (!runner) return;
    await runner.whenIdle();
    await runner.stop();
  }
}

// Opening a connection (handshake, host key, auth) lives in connect.ts.
export { connect, offeredAuthMethods } from './connect';
