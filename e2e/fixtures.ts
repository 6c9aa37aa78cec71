import { test as base, chromium, expect, type Browser, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const artifacts = join(root, 'e2e', 'artifacts');

/** Debian's Chromium (Playwright cannot download its own browser here). */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('No Chromium found: install it with `apt-get install chromium` or set CHROMIUM_PATH.');
  return found;
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export interface PageProblems {
  console: string[];
  csp: string[];
  pageErrors: string[];
}

/**
 * A page on the app with every console error, uncaught exception and CSP
 * violation recorded, so a spec can assert that there were none.
 */
export const test = base.extend<{ app: Page; problems: PageProblems }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured first argument
  problems: async ({}, use) => {
    await use({ console: [], csp: [], pageErrors: [] });
  },
  app: async ({ problems }, use) => {
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: CHROMIUM_ARGS,
    });
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    watchProblems(page, problems);
    await page.goto(process.env.HARDENLAB_E2E_URL!);
    await use(page);
    problems.csp.push(...((await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []).catch(() => [])) as string[]));
    await context.close();
    await browser.close();
  },
});

export { expect };

/** Records console errors, uncaught exceptions and CSP violations of a page (read them with expectCleanPage). */
export function watchProblems(page: Page, problems: PageProblems): void {
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __csp: string[] }).__csp ??= [];
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.console.push(m.text());
  });
  page.on('pageerror', (e) => problems.pageErrors.push(String(e)));
}

/** Every UI spec ends with this: no console error, no uncaught exception, no CSP violation. */
export async function expectCleanPage(app: Page, problems: PageProblems): Promise<void> {
  const csp = await app.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
  expect(csp, 'CSP violations').toEqual([]);
  expect(problems.console, 'console errors').toEqual([]);
  expect(problems.pageErrors, 'page errors').toEqual([]);
}

/** A screenshot of the whole window into e2e/artifacts/<name>.png, once skeletons and transitions have settled. */
export async function screenshot(app: Page, name: string): Promise<void> {
  await app.waitForTimeout(250);
  await app.screenshot({ path: join(artifacts, `${name}.png`) });
}

export interface ServeHandle {
  url: string;
  home: string;
  stop: () => Promise<void>;
}

/**
 * Its own `hardenlab serve` on a fresh, empty Harden Lab home (a first run,
 * whatever other spec files left in the shared server's home). `stop` deletes
 * the home: destroy a lab VM made in it before.
 */
export async function startServer(prefix = 'hl-e2e-ui-'): Promise<ServeHandle> {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const child = spawn(process.execPath, [join(root, 'electron', 'cli', 'hardenlab.mjs'), 'serve', '--json'], {
    cwd: root,
    env: { ...process.env, HARDENLAB_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += String(c)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hardenlab serve did not start within 60 s:\n${stderr}`)), 60_000);
    child.stdout.on('data', (c) => {
      out += String(c);
      try {
        resolveUrl((JSON.parse(out) as { url: string }).url);
        clearTimeout(timer);
      } catch {
        /* not complete yet */
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hardenlab serve exited with ${code}:\n${stderr}`));
    });
  });
  return {
    url,
    home,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** One browser page kept across the tests of a serial file (the walkthrough's progress lives in its localStorage). */
export async function launchApp(url: string, viewport = { width: 1360, height: 860 }): Promise<{ browser: Browser; page: Page; problems: PageProblems }> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: PageProblems = { console: [], csp: [], pageErrors: [] };
  watchProblems(page, problems);
  await page.goto(url);
  return { browser, page, problems };
}
