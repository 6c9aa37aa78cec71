import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebPreferences } from 'electron';
import {
  APP_ORIGIN,
  LINK_CANCEL_BUTTON,
  LINK_OPEN_BUTTON,
  MAX_EXTERNAL_URL_LENGTH,
  allowedOrigins,
  appCsp,
  createExternalLinkOpener,
  externalLinkDialog,
  externalUrlVerdict,
  hardenContents,
  isNavigationAllowed,
  isPermissionAllowed,
  isTrustedSender,
  originOf,
  refuseWebview,
  windowOpenHandler,
  windowOptions,
  type ContentsToHarden,
} from './security';
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

/** A stand-in for a WebContents: records the listeners and the window-open handler hardenContents installs. */
function fakeContents() {
  const listeners = new Map<string, Array<(...args: never[]) => void>>();
  let openHandler: Parameters<ContentsToHarden['setWindowOpenHandler']>[0] | undefined;
  const contents: ContentsToHarden = {
    on(event, listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return contents;
    },
    setWindowOpenHandler(handler) {
      openHandler = handler;
    },
  };
  const emit = (event: string, ...args: unknown[]) => {
    for (const l of listeners.get(event) ?? []) (l as (...a: unknown[]) => void)(...args);
  };
  return { contents, emit, listeners, open: (url: string) => openHandler!({ url }) };
}

function preventable() {
  return { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
}

describe('webview (checklist 12)', () => {
  const hostile = (): WebPreferences & Record<string, unknown> => ({ preload: '/tmp/evil.js', preloadURL: 'file:///tmp/evil.js', nodeIntegration: true, nodeIntegrationInSubFrames: true, nodeIntegrationInWorker: true, contextIsolation: false, sandbox: false, webSecurity: false, allowRunningInsecureContent: true });

  it('refuses to attach, and leaves the guest no preload, no Node and the sandbox should it attach anyway', () => {
    const event = preventable();
    const prefs = hostile();
    const params = { src: 'https://evil.example/' };
    refuseWebview(event, prefs, params);
    expect(event.defaultPrevented).toBe(true);
    expect(prefs).not.toHaveProperty('preload');
    expect(prefs).not.toHaveProperty('preloadURL');
    expect(prefs).toMatchObject({ nodeIntegration: false, nodeIntegrationInSubFrames: false, nodeIntegrationInWorker: false, contextIsolation: true, sandbox: true, webSecurity: true, allowRunningInsecureContent: false });
    expect(params.src).toBe('about:blank');
  });

  it('is what every webContents listens with', () => {
    const f = fakeContents();
    hardenContents(f.contents, { origins: allowedOrigins(undefined), openLink: () => undefined });
    const event = preventable();
    const prefs = hostile();
    f.emit('will-attach-webview', event, prefs, { src: 'https://evil.example/' });
    expect(event.defaultPrevented).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs).not.toHaveProperty('preload');
  });

  it('keeps navigation and redirects inside the app', () => {
    const f = fakeContents();
    hardenContents(f.contents, { origins: allowedOrigins(undefined), openLink: () => undefined });
    for (const event of ['will-navigate', 'will-redirect']) {
      const away = preventable();
      f.emit(event, away, 'https://evil.example/');
      expect(away.defaultPrevented).toBe(true);
      const home = preventable();
      f.emit(event, home, `${APP_ORIGIN}/index.html`);
      expect(home.defaultPrevented).toBe(false);
    }
  });
});

describe('window.open (checklist 14)', () => {
  const urls = ['https://example.org/', 'http://example.org/x', `${APP_ORIGIN}/index.html`, 'about:blank', '', 'javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,<script>1</script>', 'https://u:p@example.org/', 'x'.repeat(5000)];

  it('denies every URL, our own origin included: no window is ever opened', () => {
    const handler = windowOpenHandler(() => undefined);
    for (const url of urls) expect(handler({ url })).toEqual({ action: 'deny' });
  });

  it('hands only web links to the opener, already normalised', () => {
    const f = fakeContents();
    const offered: string[] = [];
    hardenContents(f.contents, { origins: allowedOrigins(undefined), openLink: (url) => offered.push(url) });
    for (const url of [...urls, 'HTTPS://Example.ORG']) expect(f.open(url)).toEqual({ action: 'deny' });
    expect(offered).toEqual(['https://example.org/', 'http://example.org/x', 'https://example.org/']);
  });
});

describe('openExternal policy (checklist 15)', () => {
  it('offers plain http and https links, as the URL that will open', () => {
    expect(externalUrlVerdict('https://example.org/path?q=1#frag')).toEqual({ ok: true, url: 'https://example.org/path?q=1#frag' });
    expect(externalUrlVerdict('http://10.0.2.2:8080/')).toEqual({ ok: true, url: 'http://10.0.2.2:8080/' });
    expect(externalUrlVerdict('HTTPS://EXAMPLE.org')).toEqual({ ok: true, url: 'https://example.org/' });
  });

  it('refuses every other scheme', () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x', 'ftp://example.org/', 'mailto:a@example.org', 'app://harden-lab/index.html', 'ssh://root@lab/', 'vscode://file/etc/passwd', 'smb://share/x', 'ms-msdt:/id', 'about:blank', 'blob:https://example.org/1']) {
      expect(externalUrlVerdict(url), url).toMatchObject({ ok: false });
    }
  });

  it('refuses credentials in the URL, which make one host read as another', () => {
    for (const url of ['https://user:pw@example.org/', 'https://bank.example@evil.example/', 'https://:pw@example.org/']) {
      expect(externalUrlVerdict(url), url).toEqual({ ok: false, reason: 'it carries a user name or password' });
    }
  });

  it('caps the length, before and after normalisation', () => {
    const base = 'https://example.org/';
    expect(externalUrlVerdict(base + 'a'.repeat(MAX_EXTERNAL_URL_LENGTH - base.length)).ok).toBe(true);
    expect(externalUrlVerdict(base + 'a'.repeat(MAX_EXTERNAL_URL_LENGTH - base.length + 1)).ok).toBe(false);
    // Short as typed, too long once each character is percent-encoded.
    expect(externalUrlVerdict(base + '\u00e9'.repeat(MAX_EXTERNAL_URL_LENGTH / 2)).ok).toBe(false);
  });

  it('refuses what is not a URL, and white space or control characters the parser would hide', () => {
    for (const url of ['', 'not a url', 'https://', 'https://exa mple.org/', ' https://example.org/', 'https://example.org/\n', 'https://exa\tmple.org/', 'https://example.org/\u0000', 'https://example.org/\u0085']) {
      expect(externalUrlVerdict(url), JSON.stringify(url)).toMatchObject({ ok: false });
    }
    expect(externalUrlVerdict(undefined)).toMatchObject({ ok: false });
    expect(externalUrlVerdict(42)).toMatchObject({ ok: false });
  });

  it('shows look-alike hosts and hidden characters as what they are', () => {
    const lookAlike = externalUrlVerdict('https://ex\u0430mple.org/'); // Cyrillic "a"
    expect(lookAlike).toEqual({ ok: true, url: 'https://xn--exmple-4nf.org/' });
    const bidi = externalUrlVerdict('https://example.org/\u202egpj.exe');
    expect(bidi).toEqual({ ok: true, url: 'https://example.org/%E2%80%AEgpj.exe' });
  });

  it('asks with the exact URL, Cancel the default and the Escape answer', () => {
    const url = 'https://example.org/a?b=c';
    const d = externalLinkDialog(url);
    expect(d.detail!.split('\n')[0]).toBe(url);
    expect(d.buttons![d.defaultId!]).toBe('Cancel');
    expect(d.cancelId).toBe(d.defaultId);
    expect(d.defaultId).toBe(LINK_CANCEL_BUTTON);
    expect(d.buttons![LINK_OPEN_BUTTON]).toMatch(/open/i);
  });

  it('opens only after a yes, never what the policy refuses, and one question at a time', async () => {
    const opened: string[] = [];
    const asked: string[] = [];
    let answer: (response: number) => void = () => undefined;
    const opener = createExternalLinkOpener({
      confirm: (options) => {
        asked.push(options.detail!);
        return new Promise((resolve) => (answer = (response) => resolve({ response })));
      },
      openExternal: async (url) => {
        opened.push(url);
      },
    });
    expect(await opener('file:///etc/passwd')).toBe('refused');
    expect(asked).toEqual([]);

    const first = opener('https://example.org/one');
    expect(await opener('https://example.org/two')).toBe('busy');
    answer(LINK_CANCEL_BUTTON);
    expect(await first).toBe('cancelled');
    expect(opened).toEqual([]);

    const second = opener('HTTPS://example.org/two');
    answer(LINK_OPEN_BUTTON);
    expect(await second).toBe('opened');
    expect(opened).toEqual(['https://example.org/two']);
    expect(asked).toHaveLength(2);
    expect(asked[1]).toContain('https://example.org/two');
  });

  it('a dialog or browser that fails is reported, and the next link is asked again', async () => {
    const opener = createExternalLinkOpener({ confirm: async () => ({ response: LINK_OPEN_BUTTON }), openExternal: () => Promise.reject(new Error('no browser')) });
    expect(await opener('https://example.org/')).toBe('failed');
    expect(await opener('https://example.org/')).toBe('failed');
  });
});
