import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_ORIGIN, allowedOrigins, appCsp, isNavigationAllowed, isPermissionAllowed, isTrustedSender, originOf, windowOptions } from './security';
import { createIpcHandler } from './ipc';
import { createCore } from '../core/api/core';

describe('window options', () => {
  it('isolate the renderer completely', () => {
    const o = windowOptions('/app/preload.cjs', true);
    expect(o.webPreferences).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
  });
});

describe('CSP', () => {
  it('allows nothing inline, nothing remote, no frames, no plugins', () => {
    const csp = appCsp(undefined);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("style-src-attr 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("form-action 'none'");
    // Inline code is never allowed; inline <style> elements are, for xterm.js (see csp.ts).
    expect(csp.split('; ').filter((d) => d.includes('unsafe-inline'))).toEqual(["style-src-elem 'self' 'unsafe-inline'"]);
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/https?:|\*/);
  });
  it('only widens for the local dev server in development', () => {
    const csp = appCsp('http://localhost:5173');
    expect(csp).toContain('script-src \'self\' http://localhost:5173');
    expect(csp).toContain('ws://localhost:5173');
    expect(csp).not.toContain('unsafe-eval');
  });
});

describe('sender check', () => {
  const trusted = new Set([7]);
  const origins = allowedOrigins(undefined);
  it('accepts the main frame of our window on our origin', () => {
    expect(isTrustedSender({ frameUrl: `${APP_ORIGIN}/index.html`, isMainFrame: true, webContentsId: 7 }, trusted, origins)).toBe(true);
  });
  it('refuses sub-frames, other windows, other origins and vanished frames', () => {
    expect(isTrustedSender({ frameUrl: `${APP_ORIGIN}/index.html`, isMainFrame: false, webContentsId: 7 }, trusted, origins)).toBe(false);
    expect(isTrustedSender({ frameUrl: `${APP_ORIGIN}/index.html`, isMainFrame: true, webContentsId: 8 }, trusted, origins)).toBe(false);
    expect(isTrustedSender({ frameUrl: 'https://evil.example/', isMainFrame: true, webContentsId: 7 }, trusted, origins)).toBe(false);
    expect(isTrustedSender({ frameUrl: 'app://harden-lab.evil/', isMainFrame: true, webContentsId: 7 }, trusted, origins)).toBe(false);
    expect(isTrustedSender({ frameUrl: 'file:///etc/passwd', isMainFrame: true, webContentsId: 7 }, trusted, origins)).toBe(false);
    expect(isTrustedSender({ frameUrl: null, isMainFrame: true, webContentsId: 7 }, trusted, origins)).toBe(false);
  });
  it('does not run the handler for an untrusted sender', async () => {
    const core = createCore({ door: 'electron', home: mkdtempSync(join(tmpdir(), 'hl-ipc-')) });
    const spy = vi.fn(async () => ({ profiles: [] }));
    core.handlers['profiles.list'] = spy;
    const handler = createIpcHandler(core, 'profiles.list', () => false);
    const reply = await handler({ senderFrame: { url: 'https://evil.example/', parent: null } as never, sender: { id: 7 } as never }, {});
    expect(reply.ok).toBe(false);
    expect(spy).not.toHaveBeenCalled();
    const ok = createIpcHandler(core, 'profiles.list', () => true);
    expect((await ok({ senderFrame: { url: `${APP_ORIGIN}/`, parent: null } as never, sender: { id: 7 } as never }, {})).ok).toBe(true);
    expect(spy).toHaveBeenCalledOnce();
  });
  it('parses the payload after the sender check', async () => {
    const core = createCore({ door: 'electron', home: mkdtempSync(join(tmpdir(), 'hl-ipc-')) });
    const ok = createIpcHandler(core, 'profiles.delete', () => true);
    const reply = await ok({ senderFrame: { url: `${APP_ORIGIN}/`, parent: null } as never, sender: { id: 7 } as never }, { name: '$(reboot)' });
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.code).toBe('BAD_INPUT');
  });
});

describe('navigation and permissions', () => {
  const origins = allowedOrigins(undefined);
  it('denies navigation away from the app', () => {
    expect(isNavigationAllowed(`${APP_ORIGIN}/index.html`, origins)).toBe(true);
    expect(isNavigationAllowed('https://example.org/', origins)).toBe(false);
    expect(isNavigationAllowed('file:///etc/passwd', origins)).toBe(false);
    expect(isNavigationAllowed('javascript:alert(1)', origins)).toBe(false);
  });
  it('denies every permission but clipboard writes from our page', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'midi', 'openExternal', 'clipboard-read', 'fullscreen']) {
      expect(isPermissionAllowed(p, `${APP_ORIGIN}/`, origins)).toBe(false);
    }
    expect(isPermissionAllowed('clipboard-sanitized-write', `${APP_ORIGIN}/`, origins)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example/', origins)).toBe(false);
  });
  it('computes origins for custom schemes', () => {
    expect(originOf('app://harden-lab/x/y?z')).toBe('app://harden-lab');
    expect(originOf('not a url')).toBeNull();
  });
});
