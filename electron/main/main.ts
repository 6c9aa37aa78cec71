import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, safeStorage, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EVENT_IPC_CHANNEL } from '../../shared/channels';
import { createCore } from '../core/api/core';
import { securityHeaders } from '../core/web/csp';
import { resolveStaticPath } from '../core/web/static-files';
import { registerIpc } from './ipc';
import { buildMenu } from './menu';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, allowedOrigins, appCsp, createExternalLinkOpener, hardenContents, isNavigationAllowed, isPermissionAllowed, windowOptions } from './security';

/**
 * Electron glue only: the window, the security handlers, IPC registration and
 * the menu. Everything the app does lives in electron/core.
 */
const devServerUrl = typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'string' ? MAIN_WINDOW_VITE_DEV_SERVER_URL : undefined;
const origins = allowedOrigins(devServerUrl);
const csp = appCsp(devServerUrl);
const rendererRoot = join(__dirname, '..', 'renderer', MAIN_WINDOW_VITE_NAME);
const trustedWebContents = new Set<number>();

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
}

// Secrets the user asks to remember are kept encrypted with the OS keychain (safeStorage), never in clear;
// the store offers "remember" only when safeStorage names a real keyring (core/secrets/remember-policy.ts).
// Electron 46 removes the sync safeStorage calls this relies on: see StringEncryption for the move to the async ones.
const core = createCore({ door: 'electron', version: app.getVersion(), encryption: safeStorage });

function serveAppScheme(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
    const file = resolveStaticPath(rendererRoot, url.pathname);
    if (!file) return new Response('Not found', { status: 404, headers: securityHeaders(csp) });
    const upstream = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(upstream.headers);
    for (const [k, v] of Object.entries(securityHeaders(csp))) headers.set(k, v);
    return new Response(upstream.body, { status: upstream.status, headers });
  });
}

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((wc, permission, callback) => callback(isPermissionAllowed(permission, wc.getURL(), origins)));
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin, origins));
  // Report exports (journal.export) are saved through the system's Save dialog, never opened.
  ses.on('will-download', (_event, item) => {
    item.setSaveDialogOptions({ title: 'Save the Harden Lab export', defaultPath: item.getFilename() });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  // Nothing remote is ever loaded: refuse any request that is not ours.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const ok = details.url.startsWith(`${APP_ORIGIN}/`) || details.url.startsWith(`blob:${APP_ORIGIN}/`) || details.url.startsWith('devtools://') || (devServerUrl !== undefined && isNavigationAllowed(details.url.replace(/^ws/, 'http'), origins));
    callback({ cancel: !ok });
  });
}

// A link opens in the system browser only after the user has seen its exact URL and said yes.
const openLink = createExternalLinkOpener({
  confirm: (options) => {
    const parent = BrowserWindow.getFocusedWindow();
    return parent ? dialog.showMessageBox(parent, options) : dialog.showMessageBox(options);
  },
  openExternal: (url) => shell.openExternal(url),
});

async function createWindow(): Promise<void> {
  const win = new BrowserWindow(windowOptions(join(__dirname, 'preload.cjs'), app.isPackaged));
  trustedWebContents.add(win.webContents.id);
  const id = win.webContents.id;
  win.on('closed', () => trustedWebContents.delete(id));
  const unsubscribe = core.services.events.subscribe((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(EVENT_IPC_CHANNEL, { name, payload });
  });
  win.on('closed', unsubscribe);
  win.once('ready-to-show', () => win.show());
  await win.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
}

app.on('web-contents-created', (_e, contents) => hardenContents(contents, { origins, openLink: (url) => void openLink(url) }));

app.on('second-instance', () => {
  const [win] = BrowserWindow.getAllWindows();
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});

void app.whenReady().then(async () => {
  serveAppScheme();
  hardenSession();
  registerIpc(ipcMain, core, trustedWebContents, origins);
  Menu.setApplicationMenu(buildMenu(app.isPackaged));
  await createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  void core.dispose();
});
