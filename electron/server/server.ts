import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
 *  - the page needs ?token=<random 256-bit token>; it then sets a strict,
 *    HttpOnly cookie so its own assets load without the token in their URLs;
 *  - the socket needs the same token AND an Origin equal to the page's own.
 * Messages are capped in size and parsed strictly; a bad one gets an error
 * reply (or the socket closed), never a crash.
 */
export interface ServerOptions {
  core: Core;
  staticDir: string;
  port?: number;
  token?: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'hl_session';

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function cookieToken(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return null;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const log = opts.log ?? (() => undefined);
  if (!existsSync(opts.staticDir)) throw new Error(`The renderer is not built (${opts.staticDir} is missing): run npm run build:renderer.`);

  let port = 0;
  let csp = '';
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const deny = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { ...securityHeaders(csp), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text + '\n');
  };

  const http = createServer((req, res) => {
    if (!allowedHosts().has(req.headers.host ?? '')) return deny(res, 403, 'Forbidden host.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const isPage = url.pathname === '/' || url.pathname === '/index.html';
    const queryToken = url.searchParams.get('token');
    const authorized = isPage ? queryToken !== null && safeEqual(queryToken, token) : safeEqual(cookieToken(req) ?? '', token);
    if (!authorized) return deny(res, 401, 'A valid token is required. Open the URL that `hardenlab serve` printed.');
    const file = resolveStaticPath(opts.staticDir, isPage ? 'index.html' : url.pathname);
    if (!file || !statSync(file).isFile()) return deny(res, 404, 'Not found.');
    const headers: Record<string, string> = {
      ...securityHeaders(csp),
      'Content-Type': mimeType(file),
      'Cache-Control': isPage ? 'no-store' : 'private, max-age=3600',
    };
    if (isPage) headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES });
  const clients = new Set<WebSocket>();

  http.on('upgrade', (req, socket, head) => {
    const refuse = (status: number, text: string) => {
      socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(403, 'Forbidden');
    if (!allowedOrigins().has(req.headers.origin ?? '')) {
      log(`refused a WebSocket from origin ${JSON.stringify(req.headers.origin ?? null)}`);
      return refuse(403, 'Forbidden');
    }
    const t = url.searchParams.get('token');
    if (t === null || !safeEqual(t, token)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      const parsed = parseClientMessage(data as Buffer, isBinary);
      if (!parsed.ok) {
        ws.send(JSON.stringify({ id: parsed.id, reply: { ok: false, error: { code: 'BAD_INPUT', message: parsed.reason } } }));
        return;
      }
      const { id, channel, req } = parsed.msg;
      void dispatch(opts.core.handlers, channel, req, { door: 'browser', events: opts.core.services.events }).then((reply) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, reply }));
      });
    });
  });

  const unsubscribe = opts.core.services.events.subscribe((name, payload) => {
    const text = JSON.stringify({ event: name, payload });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
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
      unsubscribe();
      for (const ws of clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
