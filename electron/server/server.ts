import { randomBytes, timingSafeEqual } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline, type Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_REQUEST_BYTES } from '../../shared/contract';
import { dispatch } from '../core/api/dispatch';
import type { Core } from '../core/api/core';
import { buildCsp, securityHeaders } from '../core/web/csp';
import { mimeType, resolveStaticPath } from '../core/web/static-files';
import { parseClientMessage } from './protocol';

/**
 * Browser mode: the built renderer and the same API over a WebSocket, for
 * Chromium here and for headless lab hosts reached through an SSH tunnel.
 *
 * Who may talk to it:
 *  - it listens on 127.0.0.1 only;
 *  - the Host header must name that address (defeats DNS rebinding);
 *  - the page (index.html) needs ?token=<random 256-bit token>, only so that
 *    a wrong URL gets a clear 401 instead of a page that cannot connect;
 *  - the other static files (the JS/CSS build, lazily loaded chunks included)
 *    are served without any credential, and no cookie is ever set. They hold
 *    no secret (the same bytes as the published build), and a cookie would be
 *    wrong twice: cookies ignore ports, so every other HTTP service on
 *    127.0.0.1 the browser visits would receive it, and a second
 *    `hardenlab serve` on another port would overwrite it and break the first
 *    tab's lazy chunks. Other sites cannot read the files: the Host check
 *    stops rebinding and Cross-Origin-Resource-Policy stops embedding;
 *  - the WebSocket, the only door to the API, needs the token in its URL
 *    (never a cookie) AND an Origin equal to the page's own.
 *
 * What nobody can do to it: every request line, header and upgrade is parsed
 * defensively (400, or the socket destroyed, never a throw out of a handler);
 * idle and half-open HTTP connections are capped and the oldest idle one is
 * evicted when the table is full, so a flood of silent sockets cannot lock
 * the real user out; WebSockets are capped and pinged, and one that misses a
 * pong is terminated. Messages are capped in size and parsed strictly.
 */
export interface ServerLimits {
  /** Concurrent WebSockets; the excess is refused with 503. */
  maxWebSockets: number;
  /** HTTP connections (not upgraded) in the table; see decideAdmission. */
  maxHttpConnections: number;
  /** A connection whose response has not finished for this long may be evicted like an idle one (a client that stopped reading). */
  staleBusyMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** How often Node sweeps connections for headersTimeout/requestTimeout. */
  connectionsCheckingIntervalMs: number;
  /** WebSocket ping interval; a socket that has not answered the previous ping by the next tick is terminated. */
  heartbeatMs: number;
}

// A browser opens at most 6 connections per host, so 64 leaves room for a few
// tabs and the CLI; the timeouts are long for loopback and short for a flood.
export const DEFAULT_LIMITS: ServerLimits = {
  maxWebSockets: 16,
  maxHttpConnections: 64,
  staleBusyMs: 30_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  connectionsCheckingIntervalMs: 1_000,
  heartbeatMs: 20_000,
};

export interface ServerOptions {
  core: Core;
  staticDir: string;
  port?: number;
  token?: string;
  log?: (line: string) => void;
  limits?: Partial<ServerLimits>;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Longer than any URL the app makes; a target beyond it is not ours. */
const MAX_TARGET_LENGTH = 2048;
const PARSE_BASE_HOST = '127.0.0.1';

export interface RequestTarget {
  pathname: string;
  token: string | null;
}

/**
 * The request target as this server serves it, or null (answer 400).
 * Only origin-form ("/path?query") is ours: `new URL()` throws on some
 * targets ("//[") and lets others name a host of their own ("//evil/",
 * "/\evil/", "http://evil/"), so it runs under try and its host must stay
 * the base one.
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_TARGET_LENGTH || raw[0] !== '/') return null;
  let url: URL;
  try {
    url = new URL(raw, `http://${PARSE_BASE_HOST}`);
  } catch {
    return null;
  }
  if (url.host !== PARSE_BASE_HOST) return null;
  return { pathname: url.pathname, token: url.searchParams.get('token') };
}

/** What to answer a request the HTTP parser rejected; null: just destroy the socket (the peer is gone or cannot be answered). */
export function clientErrorStatus(code: string | undefined): 400 | 408 | 431 | null {
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') return null;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  return 400;
}

export interface ConnectionState {
  id: number;
  /** A response is being produced; otherwise the connection has not sent a complete request (new, half-open, or idle keep-alive). */
  busy: boolean;
  /** When it entered its current state (ms). */
  since: number;
}

export type Admission = { kind: 'accept' } | { kind: 'evict'; id: number } | { kind: 'refuse' };

/**
 * Whether a new HTTP connection gets in, given the table. Below the cap:
 * accept. At the cap: evict the connection idle the longest, because the
 * newcomer is most likely the real user and a silent socket costs its owner
 * nothing to reopen; with none idle, a busy one stuck longer than staleBusyMs
 * (a peer that stopped reading). With every slot doing real work, refuse the
 * newcomer rather than cut a response off.
 */
export function decideAdmission(table: readonly ConnectionState[], max: number, now: number, staleBusyMs: number): Admission {
  if (table.length < max) return { kind: 'accept' };
  const oldest = (list: readonly ConnectionState[]) => list.reduce<ConnectionState | null>((a, c) => (a === null || c.since < a.since ? c : a), null);
  const idle = oldest(table.filter((c) => !c.busy));
  if (idle) return { kind: 'evict', id: idle.id };
  const stale = oldest(table.filter((c) => c.busy && now - c.since >= staleBusyMs));
  if (stale) return { kind: 'evict', id: stale.id };
  return { kind: 'refuse' };
}

/** Whether one more WebSocket may open. */
export function admitWebSocket(open: number, max: number): boolean {
  return open < max;
}

/** At each heartbeat tick: a socket that answered the previous ping gets a new one; one that did not is dead (a closed laptop lid, a dropped tunnel) and holds a slot. */
export function heartbeatVerdict(answeredLastPing: boolean): 'ping' | 'terminate' {
  return answeredLastPing ? 'ping' : 'terminate';
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};

/** A minimal response on a raw socket (parser errors, refused upgrades), then the socket is gone. */
function endRaw(socket: Duplex, status: number, text: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = text + '\n';
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => socket.destroy());
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const log = opts.log ?? (() => undefined);
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  if (!existsSync(opts.staticDir)) throw new Error(`The renderer is not built (${opts.staticDir} is missing): run npm run build:renderer.`);

  let port = 0;
  let csp = '';
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const deny = (res: ServerResponse, status: number, text: string) => {
    // A malformed request says nothing good about the rest of the stream.
    if (status === 400) res.shouldKeepAlive = false;
    res.writeHead(status, { ...securityHeaders(csp), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text + '\n');
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse, file: string, isPage: boolean) => {
    // Open first, then stat the open file: a file swapped or removed between
    // a path check and the read cannot throw out of the handler. O_NONBLOCK
    // so that a FIFO in the build cannot hang the open (no effect on files).
    let handle: FileHandle;
    try {
      handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      return deny(res, 404, 'Not found.');
    }
    let isFile = false;
    try {
      isFile = (await handle.stat()).isFile();
    } catch {
      /* treated as not found */
    }
    if (!isFile || res.destroyed) {
      await handle.close().catch(() => undefined);
      if (!isFile) deny(res, 404, 'Not found.');
      return;
    }
    res.writeHead(200, {
      ...securityHeaders(csp),
      'Content-Type': mimeType(file),
      'Cache-Control': isPage ? 'no-store' : 'private, max-age=3600',
    });
    if (req.method === 'HEAD') {
      await handle.close().catch(() => undefined);
      res.end();
      return;
    }
    // pipeline destroys both ends on a read error or a peer that went away.
    pipeline(handle.createReadStream(), res, () => undefined);
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const target = parseRequestTarget(req.url);
    if (!target) return deny(res, 400, 'Bad request target.');
    if (!allowedHosts().has(req.headers.host ?? '')) return deny(res, 403, 'Forbidden host.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.');
    const isPage = target.pathname === '/' || target.pathname === '/index.html';
    if (isPage && (target.token === null || !safeEqual(target.token, token))) {
      return deny(res, 401, 'A valid token is required. Open the URL that `hardenlab serve` printed.');
    }
    const file = resolveStaticPath(opts.staticDir, isPage ? 'index.html' : target.pathname);
    if (!file) return deny(res, 404, 'Not found.');
    await serveFile(req, res, file, isPage);
  };

  // The HTTP connection table (upgraded sockets leave it for the WebSocket one).
  const table = new Map<number, { socket: Socket; state: ConnectionState }>();
  const connectionIds = new WeakMap<Duplex, number>();
  let nextConnectionId = 1;
  const setBusy = (socket: Duplex, busy: boolean) => {
    const id = connectionIds.get(socket);
    const entry = id === undefined ? undefined : table.get(id);
    if (entry) entry.state = { ...entry.state, busy, since: Date.now() };
  };

  const http = createServer({ connectionsCheckingInterval: limits.connectionsCheckingIntervalMs }, (req, res) => {
    setBusy(req.socket, true);
    res.once('close', () => setBusy(req.socket, false));
    handleRequest(req, res).catch((e: unknown) => {
      log(`request ${JSON.stringify(req.url ?? '')} failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) deny(res, 500, 'Internal error.');
      else res.destroy();
    });
  });
  http.headersTimeout = limits.headersTimeoutMs;
  http.requestTimeout = limits.requestTimeoutMs;
  http.keepAliveTimeout = limits.keepAliveTimeoutMs;

  http.on('connection', (socket: Socket) => {
    const now = Date.now();
    const decision = decideAdmission(
      [...table.values()].map((e) => e.state),
      limits.maxHttpConnections,
      now,
      limits.staleBusyMs,
    );
    if (decision.kind === 'refuse') {
      socket.destroy();
      return;
    }
    if (decision.kind === 'evict') {
      table.get(decision.id)?.socket.destroy();
      table.delete(decision.id);
    }
    const id = nextConnectionId++;
    connectionIds.set(socket, id);
    table.set(id, { socket, state: { id, busy: false, since: now } });
    socket.once('close', () => table.delete(id));
  });

  http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const status = clientErrorStatus(err.code);
    if (status === null) socket.destroy();
    else endRaw(socket, status, status === 408 ? 'The request took too long.' : 'Malformed request.');
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES });
  const clients = new Set<WebSocket>();
  const answered = new WeakSet<WebSocket>();

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node has taken its own error handler off an upgrading socket: without
    // this one a reset before the handshake would be an uncaught exception.
    socket.on('error', () => socket.destroy());
    const id = connectionIds.get(socket);
    if (id !== undefined) table.delete(id);
    try {
      const target = parseRequestTarget(req.url);
      if (!target) return endRaw(socket, 400, 'Bad request target.');
      if (target.pathname !== '/ws') return endRaw(socket, 404, 'Not found.');
      if (!allowedHosts().has(req.headers.host ?? '')) return endRaw(socket, 403, 'Forbidden host.');
      if (!allowedOrigins().has(req.headers.origin ?? '')) {
        log(`refused a WebSocket from origin ${JSON.stringify(req.headers.origin ?? null)}`);
        return endRaw(socket, 403, 'Forbidden origin.');
      }
      // The token only ever comes from the URL: no cookie is read here, so
      // nothing the browser hands to other 127.0.0.1 services opens the API.
      if (target.token === null || !safeEqual(target.token, token)) return endRaw(socket, 401, 'A valid token is required.');
      if (!admitWebSocket(clients.size, limits.maxWebSockets)) {
        log(`refused a WebSocket: ${clients.size} already open (limit ${limits.maxWebSockets})`);
        return endRaw(socket, 503, 'Too many open connections; close another Harden Lab tab.');
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch (e) {
      log(`upgrade failed: ${e instanceof Error ? e.message : String(e)}`);
      socket.destroy();
    }
  });

  const send = (ws: WebSocket, text: string) => {
    if (ws.readyState === ws.OPEN) ws.send(text, () => undefined);
  };

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    answered.add(ws);
    ws.on('pong', () => answered.add(ws));
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      const parsed = parseClientMessage(data as Buffer, isBinary);
      if (!parsed.ok) {
        send(ws, JSON.stringify({ id: parsed.id, reply: { ok: false, error: { code: 'BAD_INPUT', message: parsed.reason } } }));
        return;
      }
      const { id, channel, req } = parsed.msg;
      dispatch(opts.core.handlers, channel, req, { door: 'browser', events: opts.core.services.events })
        .then((reply) => send(ws, JSON.stringify({ id, reply })))
        .catch((e: unknown) => {
          log(`${channel} failed outside its handler: ${e instanceof Error ? e.message : String(e)}`);
          send(ws, JSON.stringify({ id, reply: { ok: false, error: { code: 'INTERNAL', message: 'The server could not answer this request.' } } }));
        });
    });
  });

  const heartbeat = setInterval(() => {
    for (const ws of clients) {
      if (heartbeatVerdict(answered.has(ws)) === 'terminate') {
        log('terminated a WebSocket that missed a pong');
        clients.delete(ws);
        ws.terminate();
        continue;
      }
      answered.delete(ws);
      try {
        ws.ping();
      } catch {
        /* closing already; the next tick terminates it */
      }
    }
  }, limits.heartbeatMs);
  heartbeat.unref();

  const unsubscribe = opts.core.services.events.subscribe((name, payload) => {
    let text: string;
    try {
      text = JSON.stringify({ event: name, payload });
    } catch (e) {
      log(`event ${name} could not be sent: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    for (const ws of clients) send(ws, text);
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  csp = buildCsp({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      clearInterval(heartbeat);
      unsubscribe();
      for (const ws of clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      const closed = new Promise<void>((r) => http.close(() => r()));
      // Idle and half-open connections would otherwise hold close() open until they time out.
      http.closeAllConnections();
      await closed;
    },
  };
}
