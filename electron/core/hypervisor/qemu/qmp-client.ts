import { connect, type Socket } from 'node:net';
import { encodeQmpCommand, QmpLineParser, type QmpEvent, type QmpGreeting, type QmpMessage } from './qmp-parse';

/** QEMU answered a command with {"error": ...}. */
export class QmpCommandError extends Error {
  readonly errorClass: string;
  readonly command: string;
  constructor(command: string, errorClass: string, desc: string) {
    super(desc);
    this.name = 'QmpCommandError';
    this.errorClass = errorClass;
    this.command = command;
  }
}

/** The monitor connection failed, closed, or a reply did not come in time. */
export class QmpConnectionError extends Error {
  readonly reason: 'connect' | 'closed' | 'timeout' | 'protocol';
  constructor(reason: QmpConnectionError['reason'], message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'QmpConnectionError';
    this.reason = reason;
  }
}

interface Pending {
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

type EventListener = (e: QmpEvent) => void;

export interface QmpConnectOptions {
  /** For connect + greeting + capabilities negotiation (default 10 s). */
  timeoutMs?: number;
}

/**
 * A QMP client over a unix socket. QEMU serves one monitor client at a time
 * per socket, so callers open a connection per operation and close it.
 * Replies are matched by id, never by order: events can arrive between a
 * command and its reply.
 */
export class QmpClient {
  readonly greeting: QmpGreeting;
  private readonly sock: Socket;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<EventListener>();
  private readonly closeWaiters = new Set<(e: Error) => void>();
  private nextId = 1;
  private closedError: Error | undefined;

  private constructor(sock: Socket, greeting: QmpGreeting, parser: QmpLineParser) {
    this.sock = sock;
    this.greeting = greeting;
    sock.on('data', (chunk: string) => {
      for (const m of parser.push(chunk)) this.dispatch(m);
    });
    sock.on('close', () => this.failAll(new QmpConnectionError('closed', 'The QEMU monitor connection closed (QEMU may have exited).')));
    sock.on('error', (e) => this.failAll(new QmpConnectionError('closed', `The QEMU monitor connection failed: ${e.message}`, { cause: e })));
  }

  static connect(socketPath: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const sock = connect({ path: socketPath });
      sock.setEncoding('utf8');
      const parser = new QmpLineParser();
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.destroy();
        reject(e);
      };
      const timer = setTimeout(() => fail(new QmpConnectionError('timeout', `QEMU's monitor at ${socketPath} did not greet within ${timeoutMs} ms.`)), timeoutMs);
      const early: QmpMessage[] = [];
      const onData = (chunk: string) => {
        early.push(...parser.push(chunk));
        const first = early[0];
        if (!first) return;
        if (first.kind !== 'greeting') return fail(new QmpConnectionError('protocol', `QEMU's monitor sent ${first.kind} instead of its greeting.`));
        sock.off('data', onData);
        sock.off('error', onError);
        sock.off('close', onClose);
        const client = new QmpClient(sock, first, parser);
        for (const m of early.slice(1)) client.dispatch(m);
        client
          .execute('qmp_capabilities', undefined, { timeoutMs })
          .then(() => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(client);
          })
          .catch((e: Error) => fail(e));
      };
      const onError = (e: NodeJS.ErrnoException) =>
        fail(new QmpConnectionError('connect', `Cannot reach QEMU's monitor at ${socketPath}: ${e.code ?? e.message}.`, { cause: e }));
      const onClose = () => fail(new QmpConnectionError('closed', `QEMU's monitor at ${socketPath} closed before greeting (another client may hold it).`));
      sock.on('data', onData);
      sock.on('error', onError);
      sock.on('close', onClose);
    });
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return new Promise<T>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id);
              reject(new QmpConnectionError('timeout', `QEMU did not answer "${command}" within ${Math.round(timeoutMs / 1000)} s.`));
            }, timeoutMs)
          : undefined;
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.sock.write(encodeQmpCommand(command, args, id));
    });
  }

  onEvent(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Starts listening now and resolves with the first event that matches.
   * Create the waiter BEFORE sending the command that causes the event, or a
   * fast QEMU can emit it before anyone listens.
   */
  waitForEvent(match: (e: QmpEvent) => boolean, timeoutMs: number, what = 'an event'): { promise: Promise<QmpEvent>; cancel: () => void } {
    let settle: { resolve: (e: QmpEvent) => void; reject: (e: Error) => void } | undefined;
    const promise = new Promise<QmpEvent>((resolve, reject) => (settle = { resolve, reject }));
    // A cancelled waiter must not turn into an unhandled rejection.
    promise.catch(() => {});
    const cleanup = () => {
      off();
      clearTimeout(timer);
      this.closeWaiters.delete(onClosed);
    };
    const onClosed = (e: Error) => {
      cleanup();
      settle!.reject(e);
    };
    const off = this.onEvent((e) => {
      if (!match(e)) return;
      cleanup();
      settle!.resolve(e);
    });
    const timer = setTimeout(() => {
      cleanup();
      settle!.reject(new QmpConnectionError('timeout', `QEMU did not report ${what} within ${Math.round(timeoutMs / 1000)} s.`));
    }, timeoutMs);
    this.closeWaiters.add(onClosed);
    if (this.closedError) onClosed(this.closedError);
    return { promise, cancel: cleanup };
  }

  close(): void {
    this.failAll(new QmpConnectionError('closed', 'The QEMU monitor connection was closed.'));
    this.sock.destroy();
  }

  private dispatch(m: QmpMessage): void {
    switch (m.kind) {
      case 'event':
        for (const l of [...this.listeners]) l(m);
        return;
      case 'return':
      case 'error': {
        if (typeof m.id !== 'number') return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (p.timer) clearTimeout(p.timer);
        if (m.kind === 'return') p.resolve(m.value);
        else p.reject(new QmpCommandError(p.command, m.errorClass, m.desc));
        return;
      }
      default:
        // A second greeting or a line we cannot read: nothing waits for it.
        return;
    }
  }

  private failAll(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
    for (const w of [...this.closeWaiters]) w(e);
  }
}

/** Opens a connection, runs `fn`, always closes. */
export async function withQmp<T>(socketPath: string, fn: (qmp: QmpClient) => Promise<T>, opts?: QmpConnectOptions): Promise<T> {
  const qmp = await QmpClient.connect(socketPath, opts);
  try {
    return await fn(qmp);
  } finally {
    qmp.close();
  }
}
