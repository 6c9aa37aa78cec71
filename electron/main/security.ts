import type { BrowserWindowConstructorOptions, MessageBoxOptions, MessageBoxReturnValue, WebPreferences, WindowOpenHandlerResponse } from 'electron';
import { buildCsp } from '../core/web/csp';

/**
 * Everything that decides what the window may do lives here as plain values
 * and pure functions, so unit tests assert them without starting Electron.
 * main.ts only wires them to Electron's events.
 */

/** The app's own origin: the renderer is served from this custom scheme. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'harden-lab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export function webPreferences(preloadPath: string, isPackaged: boolean): WebPreferences {
  return {
    preload: preloadPath,
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
    safeDialogs: true,
    spellcheck: false,
    devTools: !isPackaged,
  };
}

export function windowOptions(preloadPath: string, isPackaged: boolean): BrowserWindowConstructorOptions {
  return {
    title: 'Harden Lab',
    width: 1320,
    height: 860,
    minWidth: 980,
    minHeight: 620,
    show: false,
    backgroundColor: '#11151c',
    autoHideMenuBar: false,
    webPreferences: webPreferences(preloadPath, isPackaged),
  };
}

/** Origins the renderer may be loaded from: our scheme, plus the Vite dev server while developing. */
export function allowedOrigins(devServerUrl: string | undefined): string[] {
  const out = [APP_ORIGIN];
  if (devServerUrl) out.push(originOf(devServerUrl) ?? '');
  return out.filter(Boolean);
}

/** URL origin that also works for custom schemes (WHATWG gives "null" for those). */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (!u.host) return null;
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

export interface SenderInfo {
  /** URL of the frame that sent the IPC message (null when the frame is gone). */
  frameUrl: string | null;
  /** True when the sender is the top-level frame of its page. */
  isMainFrame: boolean;
  /** The webContents id of the sender. */
  webContentsId: number;
}

/**
 * An IPC message is answered only when it comes from the main frame of one of
 * our own windows, showing a page from our own origin. Anything else (an
 * iframe, a navigated page, a devtools extension, another window) is refused
 * before its payload is even parsed.
 */
export function isTrustedSender(sender: SenderInfo, trustedWebContents: ReadonlySet<number>, origins: readonly string[]): boolean {
  if (!trustedWebContents.has(sender.webContentsId)) return false;
  if (!sender.isMainFrame || sender.frameUrl === null) return false;
  const origin = originOf(sender.frameUrl);
  return origin !== null && origins.includes(origin);
}

/** Navigation inside the window is allowed only within our own origin (a reload); everything else is refused. */
export function isNavigationAllowed(targetUrl: string, origins: readonly string[]): boolean {
  const origin = originOf(targetUrl);
  return origin !== null && origins.includes(origin);
}

/** Permission requests (camera, notifications, ...) are all denied; only clipboard writes from our own page pass. */
export function isPermissionAllowed(permission: string, requestingUrl: string, origins: readonly string[]): boolean {
  if (permission !== 'clipboard-sanitized-write') return false;
  const origin = originOf(requestingUrl);
  return origin !== null && origins.includes(origin);
}

export function appCsp(devServerUrl: string | undefined): string {
  if (!devServerUrl) return buildCsp();
  const dev = originOf(devServerUrl) ?? '';
  const ws = dev.replace(/^http/, 'ws');
  return buildCsp({ scripts: [dev], connect: [dev, ws], allowInlineStyles: true });
}

/** What an Electron event listener may do with the event here: refuse it. */
export interface PreventableEvent {
  preventDefault(): void;
}

/**
 * <webview> is refused outright (webviewTag is off too). Should it attach all
 * the same (a later Electron, another listener), the guest still gets no
 * preload, no Node and the sandbox: Electron's security checklist strips the
 * options as well as preventing, and so do we.
 */
export function refuseWebview(event: PreventableEvent, webPreferences: WebPreferences, params: Record<string, string>): void {
  event.preventDefault();
  delete webPreferences.preload;
  // Older Electrons passed the <webview preload> attribute as preloadURL.
  delete (webPreferences as Record<string, unknown>).preloadURL;
  webPreferences.nodeIntegration = false;
  webPreferences.nodeIntegrationInWorker = false;
  webPreferences.nodeIntegrationInSubFrames = false;
  webPreferences.contextIsolation = true;
  webPreferences.sandbox = true;
  webPreferences.webSecurity = true;
  webPreferences.allowRunningInsecureContent = false;
  params.src = 'about:blank';
}

/**
 * No window is ever opened, whatever the URL. A web link (terminal output,
 * window.open from our page) that passes externalUrlVerdict is handed to
 * openLink, which asks the user before the system browser sees it.
 */
export function windowOpenHandler(openLink: (url: string) => void): (details: { url: string }) => WindowOpenHandlerResponse {
  return ({ url }) => {
    const verdict = externalUrlVerdict(url);
    if (verdict.ok) openLink(verdict.url);
    return { action: 'deny' };
  };
}

/** The part of a WebContents hardenContents needs, so tests can hand in a fake. */
export interface ContentsToHarden {
  on(event: string, listener: (...args: never[]) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenHandlerResponse): void;
}

/** Every webContents (windows, and any frame host Electron creates) gets these before it loads anything. */
export function hardenContents(contents: ContentsToHarden, opts: { origins: readonly string[]; openLink: (url: string) => void }): void {
  const stayHome = (event: PreventableEvent, url: string) => {
    if (!isNavigationAllowed(url, opts.origins)) event.preventDefault();
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', refuseWebview);
  contents.setWindowOpenHandler(windowOpenHandler(opts.openLink));
}

/**
 * Longer than any link a person means to click, and short enough to read
 * whole in the dialog; a VM could otherwise bury the real host in noise.
 */
export const MAX_EXTERNAL_URL_LENGTH = 2048;

export type ExternalUrlVerdict = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Which links may even be offered to the system browser. They come from the
 * VM (whatever it prints in the terminal), so: web links only (no file:,
 * javascript:, custom schemes that start other apps), no user name or
 * password in them (`https://bank.example@evil.example/` reads as the bank),
 * bounded length, no control characters. The URL handed back is the parsed,
 * serialised one (IDN hosts as punycode, non-ASCII percent-encoded), so the
 * text shown in the dialog is exactly what opens.
 */
export function externalUrlVerdict(raw: unknown): ExternalUrlVerdict {
  const refuse = (reason: string): ExternalUrlVerdict => ({ ok: false, reason });
  if (typeof raw !== 'string' || raw === '') return refuse('not a URL');
  if (raw.length > MAX_EXTERNAL_URL_LENGTH) return refuse(`longer than ${MAX_EXTERNAL_URL_LENGTH} characters`);
  // The URL parser would silently drop these, so what was shown could differ from what was sent.
  if (hasSpaceOrControl(raw)) return refuse('contains white space or control characters');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return refuse('not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return refuse(`only http and https links are opened, not ${u.protocol}`);
  if (u.username !== '' || u.password !== '') return refuse('it carries a user name or password');
  if (u.hostname === '') return refuse('it names no host');
  if (u.href.length > MAX_EXTERNAL_URL_LENGTH) return refuse(`longer than ${MAX_EXTERNAL_URL_LENGTH} characters`);
  return { ok: true, url: u.href };
}

function hasSpaceOrControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

export const LINK_CANCEL_BUTTON = 0;
export const LINK_OPEN_BUTTON = 1;

/** The confirmation: the exact URL, and Cancel as both the default (Enter) and the Escape answer. */
export function externalLinkDialog(url: string): MessageBoxOptions {
  return {
    type: 'warning',
    title: 'Open link',
    message: 'Open this link in your web browser?',
    detail: `${url}\n\nLinks in the terminal are whatever the VM printed. Open it only if you expected this address.`,
    buttons: ['Cancel', 'Open in browser'],
    defaultId: LINK_CANCEL_BUTTON,
    cancelId: LINK_CANCEL_BUTTON,
    noLink: true,
  };
}

export type ExternalLinkOutcome = 'opened' | 'cancelled' | 'refused' | 'busy' | 'failed';

export interface ExternalLinkDeps {
  /** dialog.showMessageBox, with the window as parent where there is one. */
  confirm(options: MessageBoxOptions): Promise<Pick<MessageBoxReturnValue, 'response'>>;
  /** shell.openExternal. */
  openExternal(url: string): Promise<void>;
}

/**
 * The thin adapter between a clicked link and shell.openExternal: policy
 * first, then the user's yes. One question at a time: links that arrive
 * while a dialog is open are dropped, so output that opens links in a loop
 * cannot stack up dialogs (nor get one through on a reflex click).
 */
export function createExternalLinkOpener(deps: ExternalLinkDeps): (url: string) => Promise<ExternalLinkOutcome> {
  let asking = false;
  return async (raw) => {
    const verdict = externalUrlVerdict(raw);
    if (!verdict.ok) return 'refused';
    if (asking) return 'busy';
    asking = true;
    try {
      const { response } = await deps.confirm(externalLinkDialog(verdict.url));
      if (response !== LINK_OPEN_BUTTON) return 'cancelled';
      await deps.openExternal(verdict.url);
      return 'opened';
    } catch {
      return 'failed';
    } finally {
      asking = false;
    }
  };
}
