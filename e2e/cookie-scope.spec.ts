import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { expect, expectCleanPage, launchApp, root, test } from './fixtures';

/**
 * Cookies ignore ports: whatever the browser mode stores in a cookie, the
 * browser also hands to every other HTTP service on 127.0.0.1 it visits. So
 * a second server, started here on another port and visited by the same
 * browser, records what it receives, and none of it may open the API.
 */

/** Whether a WebSocket to the app opens, with the app's own Origin (a non-browser client can forge it). */
function webSocketOpens(port: number, query: string, cookie?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { Origin: `http://127.0.0.1:${port}` };
    if (cookie !== undefined) headers.Cookie = cookie;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(true);
    });
    ws.on('unexpected-response', () => resolve(false));
    ws.on('error', () => resolve(false));
  });
}

test('another 127.0.0.1 service the browser visits receives nothing that opens the API', async () => {
  const appUrl = new URL(process.env.HARDENLAB_E2E_URL!);
  const appPort = Number(appUrl.port);
  const token = appUrl.searchParams.get('token')!;

  const received: string[] = [];
  let requests = 0;
  const other: Server = createServer((req, res) => {
    requests += 1;
    if (req.headers.cookie !== undefined) received.push(req.headers.cookie);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>another local service</title><p>hello</p>');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const otherPort = (other.address() as AddressInfo).port;

  const { browser, page, problems } = await launchApp(appUrl.href);
  try {
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();

    // Without a cookie, every file of the build, the lazily loaded terminal
    // chunk included, must still load in the page.
    const assets = readdirSync(join(root, '.vite', 'renderer', 'main_window', 'assets'));
    const statuses = await page.evaluate(async (names) => Promise.all(names.map(async (n) => [n, (await fetch(`./assets/${n}`)).status] as const)), assets);
    expect(statuses.filter(([, s]) => s !== 200)).toEqual([]);
    const lazyChunk = assets.find((n) => n.startsWith('TerminalPane-') && n.endsWith('.js'));
    expect(lazyChunk, 'the lazily loaded terminal chunk').toBeDefined();
    expect(await page.evaluate(async (n) => import(`./assets/${n}`).then(() => true), lazyChunk!)).toBe(true);
    await expectCleanPage(page, problems);

    await page.goto(`http://127.0.0.1:${otherPort}/`);
    await expect(page.getByText('hello')).toBeVisible();
    expect(requests).toBeGreaterThan(0);

    // The probe itself works: the real token opens a socket.
    expect(await webSocketOpens(appPort, `?token=${encodeURIComponent(token)}`)).toBe(true);

    const pairs = received.flatMap((h) => h.split(';').map((p) => p.trim()).filter(Boolean));
    for (const header of received) expect(header, 'a cookie carrying the token').not.toContain(token);
    for (const pair of pairs) {
      const value = pair.slice(pair.indexOf('=') + 1);
      expect(await webSocketOpens(appPort, `?token=${encodeURIComponent(value)}`), `${pair} as the WebSocket token`).toBe(false);
      expect(await webSocketOpens(appPort, '', pair), `${pair} as a cookie on the upgrade`).toBe(false);
    }
    for (const header of received) expect(await webSocketOpens(appPort, '', header), 'the whole Cookie header on the upgrade').toBe(false);
  } finally {
    await browser.close();
    await new Promise<void>((r) => other.close(() => r()));
  }
});
