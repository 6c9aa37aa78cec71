#!/usr/bin/env node
// The `hardenlab` command. It runs the prebuilt bundle in .vite/cli/ (see
// bundle.mjs), rebuilding it first when any source it was built from changed.
// Rebuild rather than fall back to tsx: a rebuild costs ~0.3 s once and every
// later start is fast again, where a tsx fallback would stay slow (0.5-2 s)
// on every start until someone rebuilt by hand. tsx remains the fallback when
// the bundle cannot be built here (esbuild missing, read-only checkout, a
// source that does not compile: tsx then reports the error as before), and
// HARDENLAB_CLI=tsx forces it (tests compare both paths).
const { freshBundle } = await import('./bundle.mjs');
const entry = process.env.HARDENLAB_CLI === 'tsx' ? null : await freshBundle();
let runCli;
if (entry) {
  ({ runCli } = await import(entry));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ runCli } = await import('./main.ts'));
}
process.exitCode = await runCli(process.argv.slice(2));
