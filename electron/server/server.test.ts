import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCore } from '../core/api/core';
import { startServer, type RunningServer } from './server';
import { MAX_REQUEST_BYTES } from '../../shared/contract';

let server: RunningServer;
let base: string;

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openWs(opts: { token?: string; origin?: string | null }): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (opts.origin !== null) headers.Origin = opts.origin ?? `http://127.0.0.1:${server.port}`;
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${opts.token ?? server.token}`, { headers });
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
  const dir = mkdtempSync(join(tmpdir(), 'hl-static-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  const outside = mkdtempSync(join(tmpdir(), 'hl-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'assets', 'link.txt'));
  const core = createCore({ door: 'browser', home: mkdtempSync(join(tmpdir(), 'hl-home-')) });
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

  it('serves the page with the token, with the CSP and a session cookie', async () => {
    const r = await get(`/?token=${server.token}`);
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(String(r.headers['content-security-policy'])).toContain(`ws://127.0.0.1:${server.port}`);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('serves assets only with the session cookie, and never outside the build', async () => {
    expect((await get('/assets/app.js')).status).toBe(401);
    const cookie = `hl_session=${server.token}`;
    expect((await get('/assets/app.js', { Cookie: cookie })).status).toBe(200);
    expect((await get('/assets/../../etc/passwd', { Cookie: cookie })).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/etc/passwd', { Cookie: cookie })).status).toBe(404);
    expect((await get('/assets/link.txt', { Cookie: cookie })).status).toBe(404);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get(`/?token=${server.token}`, { Host: 'evil.example' })).status).toBe(403);
  });
});

describe('browser mode WebSocket', () => {
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
