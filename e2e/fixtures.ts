import { test as base, chromium, expect, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
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
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { __csp: string[] }).__csp ??= [];
        (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.console.push(m.text());
    });
    page.on('pageerror', (e) => problems.pageErrors.push(String(e)));
    await page.goto(process.env.HARDENLAB_E2E_URL!);
    await use(page);
    problems.csp.push(...((await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []).catch(() => [])) as string[]));
    await context.close();
    await browser.close();
  },
});

export { expect };
