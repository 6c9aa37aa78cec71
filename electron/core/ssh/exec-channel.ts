import type { Client, ClientChannel } from 'ssh2';
import { HardenLabError } from '../errors';

export interface RawExecResult {
  /** Exit status; null when the command was killed by a signal or the server sent none. */
  code: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  /** Some output was dropped because it passed maxOutputBytes. */
  truncated: boolean;
  durationMs: number;
}

export interface ChannelRunOptions {
  command: string;
  stdin?: Buffer | undefined;
  /** 0 = no limit. */
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal | undefined;
  /** For messages: what ran, without secrets. */
  label: string;
  /** Called once the server has opened the channel (it holds one of its sessions until 'close'). */
  onOpened?: () => void;
}

/** A command that ran past its timeout and was killed: the same words over a channel and through the runner. */
export function execTimeoutError(label: string, timeoutMs: number): HardenLabError {
  return new HardenLabError('TIMEOUT', `${label} did not finish within ${Math.round(timeoutMs / 100) / 10} s and was stopped.`, {
    hint: 'The command may be waiting for input or hung; give it a longer timeout if it is just slow.',
  });
}

/** An exec channel could not be opened at all (server at MaxSessions, or the connection is going away). */
export class ChannelOpenError extends Error {
  readonly reason: unknown;
  constructor(message: string, reason: unknown) {
    super(message);
    this.reason = reason;
  }
}

/** Keeps a stream's output up to a cap; the rest is dropped and `truncated` set. */
export class Collector {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    if (this.size >= this.max) {
      this.truncated = true;
      return;
    }
    const room = this.max - this.size;
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (piece.length < chunk.length) this.truncated = true;
    this.chunks.push(piece);
    this.size += piece.length;
  }
  take(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

/**
 * Opens an exec channel and hands it to `attach` synchronously, inside
 * ssh2's callback: a fast command's output, exit status and close can
 * arrive in the same network read as the channel confirmation, and ssh2
 * emits them in that same tick. A listener attached one microtask later
 * (after an await) would miss the 'exit' event.
 */
function openExec(client: Client, command: string, attach: (channel: ClientChannel) => void): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (err, channel) => {
        if (err) return reject(new ChannelOpenError(err.message, (err as { reason?: unknown }).reason));
        attach(channel);
        resolve(channel);
      });
    } catch (e) {
      reject(new ChannelOpenError((e as Error).message, undefined));
    }
  });
}

/**
 * Sends a "signal" channel request. ssh2's channel.signal() silently does
 * nothing once our side of the channel has ended (`writable` is false),
 * which is always the case after stdin was sent, so the request is written
 * through ssh2's protocol object directly. sshd answers it with
 * killpg(session pid): the command and everything it started.
 */
export function sendSignal(channel: ClientChannel, name: 'KILL' | 'TERM' | 'INT' | 'HUP'): boolean {
  const ch = channel as unknown as { outgoing?: { id: number; state: string }; _client?: { _protocol?: { signal(id: number, sig: string): void } } };
  const proto = ch._client?._protocol;
  // 'eof' = our stdin is closed; the channel itself is still open.
  if (!ch.outgoing || (ch.outgoing.state !== 'open' && ch.outgoing.state !== 'eof') || !proto) return false;
  try {
    proto.signal(ch.outgoing.id, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs one command on its own channel. Output keeps flowing after a stream
 * passes its cap (and is dropped), so a chatty command still finishes and
 * reports its exit status. On timeout or abort the remote process gets
 * SIGKILL (OpenSSH >= 7.9 honours signal requests) and the channel closes.
 */
export async function runExecChannel(client: Client, opts: ChannelRunOptions): Promise<RawExecResult> {
  const started = Date.now();
  if (opts.signal?.aborted) throw new HardenLabError('CANCELLED', `${opts.label} was cancelled before it started.`);
  const out = new Collector(opts.maxOutputBytes);
  const err = new Collector(opts.maxOutputBytes);
  let code: number | null = null;
  let sig: string | null = null;
  let closed = false;
  let onClosed: (() => void) | null = null;
  const channel = await openExec(client, opts.command, (ch) => {
    opts.onOpened?.();
    ch.on('data', (c: Buffer) => out.push(c));
    ch.stderr.on('data', (c: Buffer) => err.push(c));
    ch.on('exit', (c: number | null, s?: string) => {
      if (typeof c === 'number') code = c;
      else {
        code = null;
        sig = s ?? null;
      }
    });
    ch.on('close', () => {
      closed = true;
      onClosed?.();
    });
    ch.on('error', () => {
      /* 'close' follows and reports what we have */
    });
  });
  return new Promise<RawExecResult>((resolve, reject) => {
    let failure: HardenLabError | null = null;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;

    const stop = (e: HardenLabError) => {
      if (failure) return;
      failure = e;
      sendSignal(channel, 'KILL');
      channel.close();
      // If the server never confirms the close, do not hang the caller.
      setTimeout(() => finish(), 2_000).unref();
    };
    const onAbort = () => stop(new HardenLabError('CANCELLED', `${opts.label} was cancelled.`));
    const finish = () => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (failure) reject(failure);
      else resolve({ code, signal: sig, stdout: out.take(), stderr: err.take(), truncated: out.truncated || err.truncated, durationMs: Date.now() - started });
    };

    if (opts.timeoutMs > 0) {
      timer = setTimeout(() => stop(execTimeoutError(opts.label, opts.timeoutMs)), opts.timeoutMs);
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    onClosed = finish;
    if (closed) return finish();
    channel.stdin.on('error', () => {
      /* the command may exit before reading all of its input; its status tells */
    });
    if (opts.stdin && opts.stdin.length > 0) channel.end(opts.stdin);
    else channel.end();
  });
}
