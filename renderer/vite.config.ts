import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));

// One build output for both doors: Electron loads it through app://, browser
// mode serves it over HTTP. No React refresh plugin on purpose: it injects an
// inline script, and the CSP allows none, not even in development.
export default defineConfig({
  root: here,
  base: './',
  build: {
    outDir: resolve(here, '..', '.vite', 'renderer', 'main_window'),
    emptyOutDir: true,
    sourcemap: false,
    target: 'chrome130',
    chunkSizeWarningLimit: 2000,
  },
  oxc: {
    jsx: { runtime: 'automatic' },
  },
  server: { host: '127.0.0.1', strictPort: false },
});
