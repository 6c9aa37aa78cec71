import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * End-to-end specs drive the real UI. The "browser" project runs them in
 * Debian's Chromium against `hardenlab serve` (always possible here); the
 * Electron launch in e2e/fixtures.ts is used instead when an Electron binary
 * exists on the machine (never here: it cannot be downloaded offline).
 */
export default defineConfig({
  testDir: here,
  testMatch: /.*\.spec\.ts$/,
  outputDir: `${here}/results`,
  globalSetup: `${here}/global-setup.ts`,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1360, height: 860 },
  },
});
