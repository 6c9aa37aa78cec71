import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { shellJoin } from '../../../shared/quote';
import { HardenLabError } from '../errors';
import { Collector, execTimeoutError, sendSignal, type RawExecResult } from './exec-channel';

/**
 * The command runner: one long-lived POSIX sh on the VM, started on its own
 * exec channel, that runs command lines sent to it one at a time, each in a
 * subshell with stdin from /dev/null, and ends every command's stdout and
 * stderr with a marker carrying a random token and the exit status.
 *
 * Why: every exec channel makes sshd fork a session process and start the
 * user's login shell before the command itself runs. Under TCG that costs the
 * guest about 60 ms per command, more than the command (measured on the lab
 * VM: `:` 60 ms, `cat /proc/loadavg` 87 ms per channel). Through the runner a
 * command costs one fork of a small shell plus the command.
 *
 * What goes through it (decided by SshConnection): commands without stdin
 * whose line is short. Everything else, and every command issued while the
 * runner is busy, still gets its own channel, so concurrency is unchanged.
 *
 * Protocol: a request is one line, `SEQ COMMAND`. The command line comes from
 * shellJoin (the one quoting function); a newline can only appear inside its
 * single quotes, where it is written as '"$nl"' (close the quote, a
 * double-quoted newline held in $nl, reopen), so a request never spans lines.
 * The runner evaluates it in a subshell: builtins and programs behave as in
 * `sh -c LINE`. Replies: `\nTOKEN SEQ STATUS\n` after the output, on both
 * streams. The token is 128 random bits, new for every runner.
 */
export const RUNNER_SCRIPT = [
  'T=$1',
  "nl='",
  "'",
  'printf "%s ready\\n" "$T"',
  'while IFS= read -r line; do',
  '  n=${line%% *}',
  '  ( eval "${line#* }" ) </dev/null',
  '  rc=$?',
  '  printf "\\n%s %s %s\\n" "$T" "$n" "$rc" >&2',
  '  printf "\\n%s %s %s\\n" "$T" "$n" "$rc"',
  'done',
].join('\n');

/** Longer request lines go over their own channel: sh reads a line from a pipe one byte per read(2). */
export const RUNNER_MAX_LINE = 4096;

/** The request line for one command, or null when the command cannot go through the runner. */
export function runnerRequest(seq: number, command: string): string | null {
  const line = `${seq} ${command.replace(/\n/g, `'"$nl"'`)}\n`;
  return Buffer.byteLength(line) <= RUNNER_MAX_LINE ? line : null;
}

/**
 * Splits one stream of the runner into a command's output and its end
 * marker. Bytes that might be the start of a marker are held back until the
 * next chunk shows whether they are.
 */
export class MarkerScanner {
  private readonly marker: Buffer;
  private readonly keep: number;
  private pending: Buffer = Buffer.alloc(0);
  /** The exit status from the marker, once seen. */
  status: number | null = null;

  constructor(
    token: string,
    seq: number,
    private readonly out: Collector,
  ) {
    this.marker = Buffer.from(`\n${token} ${seq} `);
    // The marker, up to 10 digits of status, and the newline.
    this.keep = this.marker.length + 11;
  }

  get done(): boolean {
    return this.status !== null;
  }

  push(chunk: Buffer): void {
    if (this.done) return;
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const at = buf.indexOf(this.marker);
    if (at !== -1) {
      const end = buf.indexOf(0x0a, at + this.marker.length);
      if (end === -1) {
        this.pending = buf;
        return;
      }
      if (at > 0) this.out.push(buf.subarray(0, at));
      const status = Number(buf.subarray(at + this.marker.length, end).toString('latin1'));
      this.status = Number.isInteger(status) ? status : 255;
      this.pending = Buffer.alloc(0);
      return;
    }
    if (buf.length > this.keep) {
      this.out.push(buf.subarray(0, buf.length - this.keep));
      this.pending = Buffer.from(buf.subarray(buf.length - this.keep));
    } else {
      this.pending = Buffer.from(buf);
    }
  }
}

interface Pending {
  stdout: MarkerScanner;
  stderr: MarkerScanner;
  finish: (e?: HardenLabError) => void;
}

export interface RunnerRunOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal | undefined;
  label: string;
}

export class CommandRunner {
  private seq = 0;
  private current: Pending | null = null;
  private ended = false;
  private channelClosed = false;
  private readonly endListeners = new Set<() => void>();
  private idleWaiters: Array<() => void> = [];

  private constructor(
    private readonly channel: ClientChannel,
    private readonly token: string,
  ) {
    // Output while no command runs (a background process of an earlier one) belongs to nobody.
    channel.on('data', (c: Buffer) => this.received('stdout', c));
    channel.stderr.on('data', (c: Buffer) => this.received('stderr', c));
    channel.on('close', () => {
      this.channelClosed = true;
      this.markEnded();
    });
    channel.on('error', () => this.markEnded());
    channel.stdin.on('error', () => this.markEnded());
  }

  /**
   * Opens the runner's channel and waits for its greeting. Rejects when the
   * server refuses the channel or the greeting does not come (no POSIX sh,
   * a ForceCommand, a shell that prints to stdout on start).
   */
  static start(client: Client, timeoutMs = 15_000): Promise<CommandRunner> {
    const token = randomBytes(16).toString('hex');
    const command = shellJoin(['sh', '-c', RUNNER_SCRIPT, 'hardenlab-runner', token]);
    return new Promise((resolve, reject) => {
      let greeting = '';
      let settled = false;
      let channel: ClientChannel | null = null;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (channel) {
          sendSignal(channel, 'KILL');
          channel.close();
        }
        reject(new Error(why));
      };
      const timer = setTimeout(() => fail('the command runner did not start in time'), timeoutMs);
      try {
        client.exec(command, (err, ch) => {
          if (err) return fail(`the server refused the runner's channel: ${err.message}`);
          channel = ch;
          const onData = (c: Buffer) => {
            greeting += c.toString('latin1');
            if (greeting === `${token} ready\n`) {
              settled = true;
              clearTimeout(timer);
              ch.off('data', onData);
              ch.off('close', onClose);
              resolve(new CommandRunner(ch, token));
            } else if (greeting.length >= token.length + 7) fail(`unexpected output from the runner: ${JSON.stringify(greeting.slice(0, 80))}`);
          };
          const onClose = () => fail('the runner ended at once');
          ch.on('data', onData);
          ch.on('close', onClose);
          ch.stderr.on('data', () => {
            /* login noise on stderr does not matter */
          });
        });
      } catch (e) {
        fail((e as Error).message);
      }
    });
  }

  get idle(): boolean {
    return !this.ended && this.current === null;
  }

  /** Resolves once no command is running (at once when idle or ended). */
  whenIdle(): Promise<void> {
    if (!this.current) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  onEnd(listener: () => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /**
   * Ends the runner and whatever it is running (sshd kills the session's
   * process group). Resolves once the server has closed the channel, so its
   * session is free again (or after 2 s).
   */
  stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.channelClosed) return resolve();
      this.channel.once('close', () => resolve());
      setTimeout(resolve, 2_000).unref();
    });
    if (!this.ended) {
      sendSignal(this.channel, 'KILL');
      this.channel.close();
      this.markEnded();
    }
    return closed;
  }

  /**
   * Runs one command line (from shellJoin). The caller must have checked
   * `idle` and `runnerRequest(...) !== null`. A timeout or an abort stops the
   * whole runner (so the command and what it started are killed); the next
   * command starts a new one. Resolves like an exec channel: a non-zero exit
   * is a result; a runner that ends mid-command gives code null.
   */
  run(command: string, opts: RunnerRunOptions): Promise<RawExecResult> {
    if (!this.idle) throw new Error('The command runner is busy.');
    const seq = ++this.seq;
    const line = runnerRequest(seq, command);
    if (line === null) throw new Error('This command line is too long for the runner.');
    const started = Date.now();
    const out = new Collector(opts.maxOutputBytes);
    const err = new Collector(opts.maxOutputBytes);
    return new Promise<RawExecResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      // The caller hears why first; stopping the runner then ends its channel (and the command).
      const onAbort = () => {
        finish(new HardenLabError('CANCELLED', `${opts.label} was cancelled.`));
        void this.stop();
      };
      const finish = (e?: HardenLabError) => {
        if (this.current !== pending) return;
        this.current = null;
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (e) return reject(e);
        const code = pending.stdout.done ? pending.stdout.status : null;
        resolve({ code, signal: null, stdout: out.take(), stderr: err.take(), truncated: out.truncated || err.truncated, durationMs: Date.now() - started });
      };
      const pending: Pending = { stdout: new MarkerScanner(this.token, seq, out), stderr: new MarkerScanner(this.token, seq, err), finish };
      this.current = pending;
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs > 0) {
        timer = setTimeout(() => {
          finish(execTimeoutError(opts.label, opts.timeoutMs));
          void this.stop();
        }, opts.timeoutMs);
      }
      this.channel.write(line);
    });
  }

  private received(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const p = this.current;
    if (!p) return;
    p[stream].push(chunk);
    // Both markers end the command.
    if (p.stdout.done && p.stderr.done) p.finish();
  }

  private markEnded(): void {
    if (this.ended) return;
    this.ended = true;
    // A command in flight ends without a status, as on a channel whose session died.
    this.current?.finish();
    for (const l of this.endListeners) l();
  }
}
