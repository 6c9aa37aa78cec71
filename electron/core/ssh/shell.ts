import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { HardenLabError } from '../errors';
import { computeBackpressureAction, DEFAULT_HIGH_WATERMARK, DEFAULT_LOW_WATERMARK } from './backpressure';
import type { SshConnection } from './connection';

export interface ShellOptions {
  cols: number;
  rows: number;
  term?: string;
  highWatermark?: number;
  lowWatermark?: number;
}

export interface ShellExit {
  code: number | null;
  signal: string | null;
  /** 'exit': the remote shell ended; 'closed': close() was called; 'connection-lost': the SSH connection dropped. */
  reason: 'exit' | 'closed' | 'connection-lost';
}

export interface ShellSession {
  readonly id: string;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  close(): void;
  /** Output as text (UTF-8 decoded across chunk borders). Output that came before the first listener is replayed to it. */
  onData(listener: (data: string) => void): () => void;
  onExit(listener: (exit: ShellExit) => void): () => void;
  /** The consumer has processed this many characters of delivered data (e.g. xterm.js write callback). */
  ack(chars: number): void;
  readonly paused: boolean;
  /** Characters delivered and not yet acknowledged. */
  readonly buffered: number;
}

function checkSize(cols: number, rows: number): void {
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1 || cols > 1000 || rows > 500) {
    throw new HardenLabError('BAD_INPUT', `A terminal of ${cols}x${rows} is not possible (1-1000 columns, 1-500 rows).`);
  }
}

/**
 * A terminal on the VM: a PTY shell channel on the shared connection. The
 * session tracks how much output its consumer has not processed yet and
 * pauses the channel between the watermarks (computeBackpressureAction),
 * so a flood of output backs up to the server instead of into memory.
 */
export async function openShell(conn: SshConnection, opts: ShellOptions): Promise<ShellSession> {
  checkSize(opts.cols, opts.rows);
  const hwm = opts.highWatermark ?? DEFAULT_HIGH_WATERMARK;
  const lwm = opts.lowWatermark ?? DEFAULT_LOW_WATERMARK;
  if (!(lwm < hwm)) throw new HardenLabError('BAD_INPUT', 'The low watermark must be below the high watermark.');
  const dataListeners = new Set<(d: string) => void>();
  const exitListeners = new Set<(e: ShellExit) => void>();
  const early: string[] = [];
  const decoder = new StringDecoder('utf8');
  let buffered = 0;
  let paused = false;
  let exitCode: number | null = null;
  let exitSignal: string | null = null;
  let closedByUs = false;
  let exited: ShellExit | null = null;
  let channel: ClientChannel | null = null;

  const release = conn.reserveShell();
  const apply = () => {
    const action = computeBackpressureAction(buffered, hwm, lwm, paused);
    if (action === 'pause') {
      paused = true;
      channel?.pause();
    } else if (action === 'resume') {
      paused = false;
      channel?.resume();
    }
  };
  const deliver = (text: string) => {
    if (text === '') return;
    buffered += text.length;
    if (dataListeners.size === 0) early.push(text);
    else for (const l of dataListeners) l(text);
    apply();
  };
  const end = () => {
    if (exited) return;
    deliver(decoder.end());
    release();
    offConnClose();
    const reason: ShellExit['reason'] = closedByUs ? 'closed' : exitCode !== null || exitSignal !== null ? 'exit' : conn.closed ? 'connection-lost' : 'exit';
    exited = { code: exitCode, signal: exitSignal, reason };
    for (const l of exitListeners) l(exited);
  };
  // A dropped connection may never deliver the channel's close; end the session ourselves.
  const offConnClose = conn.on('close', end);

  try {
    // Wired inside ssh2's callback: a shell that exits at once must not lose its exit event.
    channel = await conn.openShellChannel({ cols: opts.cols, rows: opts.rows, term: opts.term ?? 'xterm-256color' }, (ch) => {
      channel = ch;
      ch.on('data', (chunk: Buffer) => deliver(decoder.write(chunk)));
      ch.stderr.on('data', (chunk: Buffer) => deliver(chunk.toString('utf8')));
      ch.on('exit', (code: number | null, signal?: string) => {
        exitCode = typeof code === 'number' ? code : null;
        exitSignal = typeof code === 'number' ? null : (signal ?? null);
      });
      ch.on('error', () => {
        /* 'close' follows */
      });
      ch.on('close', end);
    });
  } catch (e) {
    offConnClose();
    release();
    throw e;
  }
  const ch = channel;

  return {
    id: randomUUID(),
    write(data) {
      if (exited) return;
      ch.write(data);
    },
    resize(cols, rows) {
      checkSize(cols, rows);
      if (!exited) ch.setWindow(rows, cols, 0, 0);
    },
    close() {
      if (exited) return;
      closedByUs = true;
      ch.close();
    },
    onData(listener) {
      dataListeners.add(listener);
      if (early.length > 0) for (const t of early.splice(0)) listener(t);
      return () => dataListeners.delete(listener);
    },
    onExit(listener) {
      if (exited) {
        const e = exited;
        queueMicrotask(() => listener(e));
      } else exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },
    ack(chars) {
      if (!Number.isFinite(chars) || chars <= 0) return;
      buffered = Math.max(0, buffered - chars);
      apply();
    },
    get paused() {
      return paused;
    },
    get buffered() {
      return buffered;
    },
  };
}
