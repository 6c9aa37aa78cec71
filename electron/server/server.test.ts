import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCore } from '../core/api/core';
import { admitWebSocket, clientErrorStatus, decideAdmission, heartbeatVerdict, parseRequestTarget, startServer, type RunningServer } from './server';
import { MAX_REQUEST_BYTES } from '../../shared/contract';

let server: RunningServer;
let base: string;
let staticDir: string;
let core: ReturnType<typeof createCore>;

function get(path: string, headers: Record<string, string> = {}, srv: RunningServer = server): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: srv.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openWs(opts: { token?: string | null; origin?: string | null; cookie?: string; autoPong?: boolean; srv?: RunningServer }): Promise<{ ws?: WebSocket; status?: number }> {
  const srv = opts.srv ?? server;
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (opts.origin !== null) headers.Origin = opts.origin ?? `http://127.0.0.1:${srv.port}`;
    if (opts.cookie !== undefined) headers.Cookie = opts.cookie;
    const query = opts.token === null ? '' : `?token=${encodeURIComponent(opts.token ?? srv.token)}`;
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws${query}`, { headers, autoPong: opts.autoPong ?? true });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.on('error', () => resolve({ status: -1 }));
  });
}

function rpc(ws: WebSocket, payload: string | Buffer): Promise<unknown> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data))));
    ws.send(payload);
  });
}

beforeAll(async () => {
  const dir = (staticDir = mkdtempSync(join(tmpdir(), 'hl-static-')));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  const outside = mkdtempSync(join(tmpdir(), 'hl-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'assets', 'link.txt'));
  core = createCore({ door: 'browser', home: mkdtempSync(join(tmpdir(), 'hl-home-')) });
  server = await startServer({ core, staticDir: dir });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
});

describe('browser mode HTTP', () => {
  it('listens on 127.0.0.1 and prints a token URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
    expect(base).toContain('127.0.0.1');
  });

  it('refuses the page without the token or with a wrong one', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    expect((await get(`/?token=${server.token}x`)).status).toBe(401);
  });

  it('serves the page with the token and the CSP, and sets no cookie', async () => {
    const r = await get(`/?token=${server.token}`);
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(String(r.headers['content-security-policy'])).toContain(`ws://127.0.0.1:${server.port}`);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(r.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('serves the static build (lazy chunks included) without any credential, and never outside the build', async () => {
    const asset = await get('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['set-cookie']).toBeUndefined();
    expect((await get('/assets/../../etc/passwd')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await get('/assets/link.txt')).status).toBe(404);
    expect((await get('/assets')).status).toBe(404);
    expect((await get('/index.html')).status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get(`/?token=${server.token}`, { Host: 'evil.example' })).status).toBe(403);
  });
});

describe('browser mode WebSocket', () => {
  it('never takes the token from a cookie: no cookie value opens a socket', async () => {
    const page = await get(`/?token=${server.token}`);
    const setCookies = [page.headers['set-cookie'] ?? []].flat();
    for (const c of setCookies) expect(c).not.toContain(server.token);
    for (const cookie of [`hl_session=${server.token}`, `token=${server.token}`, ...setCookies.map((c) => c.split(';')[0]!)]) {
      expect((await openWs({ token: null, cookie })).status).toBe(401);
      expect((await openWs({ token: 'wrong', cookie })).status).toBe(401);
    }
  });

  it('refuses a bad token, a foreign origin and a missing origin', async () => {
    expect((await openWs({ token: 'wrong' })).status).toBe(401);
    expect((await openWs({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await openWs({ origin: `http://127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await openWs({ origin: null })).status).toBe(403);
  });

  it('answers requests through the contract', async () => {
    const { ws } = await openWs({});
    expect(ws).toBeDefined();
    const reply = (await rpc(ws!, JSON.stringify({ id: 1, channel: 'app.info', req: {} }))) as { id: number; reply: { ok: boolean; value: { door: string } } };
    expect(reply.id).toBe(1);
    expect(reply.reply.ok).toBe(true);
    expect(reply.reply.value.door).toBe('browser');
    ws!.close();
  });

  it('answers malformed messages with an error and keeps serving', async () => {
    const { ws } = await openWs({});
    for (const bad of ['not json', '[]', '{"id":"x","channel":"app.info"}', '{"id":2,"channel":5}', '{"id":3,"channel":"app.info","evil":1}', '{"id":4,"channel":"nope","req":{}}', '{"id":5,"channel":"profiles.delete","req":{"name":"$(reboot)"}}']) {
      const r = (await rpc(ws!, bad)) as { reply: { ok: boolean; error: { code: string } } };
      expect(r.reply.ok).toBe(false);
      expect(r.reply.error.code).toBe('BAD_INPUT');
    }
    const r = (await rpc(ws!, Buffer.from([1, 2, 3]))) as { reply: { ok: boolean } };
    expect(r.reply.ok).toBe(false);
    const good = (await rpc(ws!, JSON.stringify({ id: 9, channel: 'app.info', req: {} }))) as { reply: { ok: boolean } };
    expect(good.reply.ok).toBe(true);
    ws!.close();
  });

  it('closes a socket that sends an oversized message, and keeps serving others', async () => {
    const { ws } = await openWs({});
    const closed = new Promise<number>((resolve) => ws!.on('close', (code) => resolve(code)));
    ws!.send(JSON.stringify({ id: 1, channel: 'app.info', req: { pad: 'x'.repeat(MAX_REQUEST_BYTES + 10) } }));
    expect(await closed).toBe(1009);
    const { ws: ws2 } = await openWs({});
    const r = (await rpc(ws2!, JSON.stringify({ id: 1, channel: 'app.info', req: {} }))) as { reply: { ok: boolean } };
    expect(r.reply.ok).toBe(true);
    ws2!.close();
    expect((await get(`/?token=${server.token}`)).status).toBe(200);
  });
});

/** Sends raw bytes on a fresh loopback socket; resolves with what came back once the server closes it, or at the deadline. */
function rawExchange(port: number, data: string | Buffer, waitMs = 2_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('connect', () => socket.write(data));
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

/** The real user still gets in: the token page, and a WebSocket that answers through the contract. */
async function expectStillServing(srv: RunningServer): Promise<void> {
  expect((await get(`/?token=${srv.token}`, {}, srv)).status).toBe(200);
  const { ws, status } = await openWs({ srv });
  expect(status).toBeUndefined();
  const reply = (await rpc(ws!, JSON.stringify({ id: 1, channel: 'app.info', req: {} }))) as { reply: { ok: boolean } };
  expect(reply.reply.ok).toBe(true);
  ws!.close();
}

/** mulberry32: a small seeded generator, so that a fuzz failure replays exactly. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('browser mode: malformed requests', () => {
  it('parses request targets without throwing, and keeps them to this host', () => {
    expect(parseRequestTarget('/?token=abc')).toEqual({ pathname: '/', token: 'abc' });
    expect(parseRequestTarget('/assets/app.js')).toEqual({ pathname: '/assets/app.js', token: null });
    for (const bad of [undefined, '', '//[', '//evil.example/?token=x', '/\\evil.example/', '/\\\\[', 'http://127.0.0.1/', 'http://[', '*', 'x', '/' + 'a'.repeat(5000)]) {
      expect(parseRequestTarget(bad), String(bad)).toBeNull();
    }
  });

  it('answers parser errors by code, and only destroys sockets that are gone', () => {
    expect(clientErrorStatus('HPE_INVALID_METHOD')).toBe(400);
    expect(clientErrorStatus('HPE_HEADER_OVERFLOW')).toBe(431);
    expect(clientErrorStatus('ERR_HTTP_REQUEST_TIMEOUT')).toBe(408);
    expect(clientErrorStatus(undefined)).toBe(400);
    expect(clientErrorStatus('ECONNRESET')).toBeNull();
    expect(clientErrorStatus('EPIPE')).toBeNull();
  });

  it('answers `GET //[` with 400, with a valid Host and on a WebSocket upgrade with any Host, and keeps serving', async () => {
    const host = `127.0.0.1:${server.port}`;
    const plain = await rawExchange(server.port, `GET //[ HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(plain.closed).toBe(true);
    expect(plain.text).toMatch(/^HTTP\/1\.1 400 /);
    for (const h of [host, 'evil.example', '']) {
      const upgrade = await rawExchange(server.port, `GET //[ HTTP/1.1\r\nHost: ${h}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://${host}\r\n\r\n`);
      expect(upgrade.text, `upgrade with Host ${h}`).toMatch(/^HTTP\/1\.1 400 /);
      expect(upgrade.closed).toBe(true);
    }
    await expectStillServing(server);
  });

  it('survives a seeded fuzz of request lines and headers (loopback, bounded), then still serves the token URL', async () => {
    const rnd = seeded(0x11c0ffee);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const junk = (n: number) => Array.from({ length: Math.floor(rnd() * n) }, () => String.fromCharCode(pick([0, 9, 10, 13, 32, 34, 35, 37, 47, 58, 63, 64, 91, 92, 93, 127, 0xff, 0xc3]) || Math.floor(rnd() * 256))).join('');
    const host = `127.0.0.1:${server.port}`;
    // Mostly well-formed around one bad part, so that the bad part reaches the
    // handlers instead of stopping in Node's parser.
    const methods = ['G\0T', '', 'GET GET', 'get', 'POST', 'PUT', 'OPTIONS', 'CONNECT'];
    const targets = ['//[', '/\\[', 'http://[', 'http://evil/', '//evil/?token=' + server.token, '/', `/?token=${server.token}`, '/?token=%', '/%', '/%zz', '*', '/ws', '/ws?token=%ff', '//', '/[', '/?token', 'x', '/index.html?token=' + '%00'.repeat(40)];
    const versions = ['HTTP/2.0', 'HTTP/9.9', '', 'HTTP/1.1 x', 'HTTP/'];
    const hosts = ['evil.example', '', '[', `${host}, evil`, `localhost:${server.port}`];
    const often = <T,>(good: T, p: number, bad: readonly T[]): T => (rnd() < p ? good : pick(bad));
    const cases: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const eol = often('\r\n', 0.9, ['\n', '\r', '\r\r\n']);
      const target = rnd() < 0.7 ? pick(targets) : pick(targets) + junk(30);
      const lines = [`${often('GET', 0.75, methods)} ${target} ${often('HTTP/1.1', 0.8, versions)}`];
      if (rnd() < 0.9) lines.push(`Host: ${often(host, 0.6, hosts)}`);
      if (rnd() < 0.2) lines.push(`Host: ${often(host, 0.5, hosts)}`);
      if (rnd() < 0.4) lines.push('Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', `Origin: ${often(`http://${host}`, 0.6, ['null', junk(20)])}`);
      for (let h = Math.floor(rnd() * 4); h > 0; h--) lines.push(`${pick(['Cookie', 'Origin', 'X-' + junk(8), junk(10), 'Content-Length', 'Transfer-Encoding'])}: ${rnd() < 0.05 ? 'v'.repeat(20_000) : junk(40)}`);
      const tail = rnd() < 0.85 ? eol + eol : rnd() < 0.5 ? eol : '';
      cases.push(Buffer.from(lines.join(eol) + tail, 'latin1'));
    }
    // The server runs in this process: a throw out of a handler lands here
    // (in `hardenlab serve` it would have ended the process).
    const thrown: unknown[] = [];
    const onThrow = (e: unknown) => thrown.push(e);
    process.on('uncaughtException', onThrow);
    const started = Date.now();
    let answered = 0;
    try {
      // A few at a time, each cut off after 300 ms: bounded in sockets and in time.
      for (let i = 0; i < cases.length; i += 8) {
        const batch = await Promise.all(cases.slice(i, i + 8).map((c) => rawExchange(server.port, c, 300)));
        answered += batch.filter((r) => r.text.startsWith('HTTP/1.1 ')).length;
      }
    } finally {
      process.off('uncaughtException', onThrow);
    }
    expect(thrown.map(String)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(answered).toBeGreaterThan(cases.length / 2);
    await expectStillServing(server);
  });

  it('answers 404 for a removed file and for a FIFO in the build (no hang on open), and keeps serving', async () => {
    writeFileSync(join(staticDir, 'assets', 'gone.js'), 'x');
    expect((await get('/assets/gone.js')).status).toBe(200);
    rmSync(join(staticDir, 'assets', 'gone.js'));
    expect((await get('/assets/gone.js')).status).toBe(404);
    execFileSync('mkfifo', [join(staticDir, 'assets', 'pipe.js')]);
    expect((await get('/assets/pipe.js')).status).toBe(404);
    await expectStillServing(server);
  });
});

describe('browser mode: connection decisions (pure)', () => {
  const c = (id: number, busy: boolean, since: number) => ({ id, busy, since });

  it('accepts below the cap, and at the cap evicts the connection idle the longest', () => {
    expect(decideAdmission([c(1, false, 0)], 2, 100, 1000)).toEqual({ kind: 'accept' });
    expect(decideAdmission([c(1, true, 0), c(2, false, 50), c(3, false, 20)], 3, 100, 1000)).toEqual({ kind: 'evict', id: 3 });
  });

  it('with every slot busy, evicts one stuck past staleBusyMs, else refuses the newcomer', () => {
    expect(decideAdmission([c(1, true, 90), c(2, true, 95)], 2, 100, 1000)).toEqual({ kind: 'refuse' });
    expect(decideAdmission([c(1, true, 90), c(2, true, 0), c(3, true, 50)], 3, 2000, 1000)).toEqual({ kind: 'evict', id: 2 });
  });

  it('caps WebSockets and terminates a socket that missed its pong', () => {
    expect(admitWebSocket(15, 16)).toBe(true);
    expect(admitWebSocket(16, 16)).toBe(false);
    expect(heartbeatVerdict(true)).toBe('ping');
    expect(heartbeatVerdict(false)).toBe('terminate');
  });
});

describe('browser mode: connection limits', () => {
  let limited: RunningServer;

  beforeAll(async () => {
    limited = await startServer({ core, staticDir, limits: { heartbeatMs: 200, headersTimeoutMs: 600, requestTimeoutMs: 1_200, connectionsCheckingIntervalMs: 100 } });
  });

  afterAll(async () => {
    await limited.close();
  });

  it('evicts the oldest of 500 idle and half-open sockets, and the real user still gets the page and a WebSocket', async () => {
    const sockets: Socket[] = [];
    const closedByServer = new Set<Socket>();
    try {
      for (let i = 0; i < 500; i++) {
        const s = connect(server.port, '127.0.0.1');
        s.on('error', () => undefined);
        s.on('close', () => closedByServer.add(s));
        sockets.push(s);
        await new Promise<void>((r) => {
          s.once('connect', () => {
            // Half of them half-open: a request line and no end of headers.
            if (i % 2) s.write(`GET /?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`);
            r();
          });
          s.once('close', () => r());
        });
      }
      const deadline = Date.now() + 5_000;
      while (closedByServer.size < 500 - 64 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(closedByServer.size).toBeGreaterThanOrEqual(500 - 64);
      // The newest ones are the ones kept.
      expect(closedByServer.has(sockets[0]!)).toBe(true);
      expect(closedByServer.has(sockets[499]!)).toBe(false);
      await expectStillServing(server);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  it('closes a connection that has not sent a complete request within headersTimeout', async () => {
    const r = await rawExchange(limited.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${limited.port}\r\n`, 4_000);
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('refuses the 17th WebSocket with 503 and accepts again once one closes', async () => {
    const open: WebSocket[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        const r = await openWs({ srv: limited });
        expect(r.status, `socket ${i + 1}`).toBeUndefined();
        open.push(r.ws!);
      }
      expect((await openWs({ srv: limited })).status).toBe(503);
      const first = open.shift()!;
      const gone = new Promise((r) => first.once('close', r));
      first.close();
      await gone;
      await new Promise((r) => setTimeout(r, 50));
      const again = await openWs({ srv: limited });
      expect(again.status).toBeUndefined();
      open.push(again.ws!);
    } finally {
      for (const ws of open) ws.terminate();
    }
  });

  it('terminates a WebSocket that does not answer pings, and keeps one that does', async () => {
    const { ws: deaf } = await openWs({ srv: limited, autoPong: false });
    const { ws: alive } = await openWs({ srv: limited });
    try {
      const closed = await new Promise<boolean>((r) => {
        const timer = setTimeout(() => r(false), 3_000);
        deaf!.once('close', () => {
          clearTimeout(timer);
          r(true);
        });
      });
      expect(closed).toBe(true);
      expect(alive!.readyState).toBe(WebSocket.OPEN);
    } finally {
      deaf!.terminate();
      alive!.terminate();
    }
  });
});
