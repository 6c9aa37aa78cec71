import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
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
