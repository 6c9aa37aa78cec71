// The prebuilt CLI: electron/cli/main.ts and everything it imports from
// electron/ and shared/, bundled by esbuild into .vite/cli/ (gitignored), with
// every node_modules package left external and one chunk per lazily imported
// command, so `hardenlab --version` loads a few kilobytes instead of
// compiling TypeScript through tsx (0.5 s idle, 1-2 s on a busy machine).
//
// Plain JavaScript on purpose: hardenlab.mjs imports it before any compiler is
// loaded, and `node electron/cli/bundle.mjs` builds by hand.
//
// Never stale: the manifest records, for each source file esbuild read (its
// metafile inputs), its mtime and size; freshBundle() stats exactly those files
// (about 150 stat calls, ~1-2 ms) and rebuilds when any of them differs or is
// gone. A file that no input imports cannot change the bundle, so a new file
// only matters once an importer names it, and that importer's mtime changes.
// Equality (not "newer than") also catches a file put back to an older mtime.
//
// Atomic and safe under concurrent starts (tests start several CLIs at once,
// CI starts from a clean clone with no bundle): every output file is named by
// the hash of its content and written to a temp file then renamed, and the
// manifest that points at the entry is renamed into place last. Two builds at
// once write the same names with the same bytes, or different names; a reader
// sees either the old manifest (whose files still exist) or the new one (whose
// files were all written before it). Old files are removed only when a day old,
// so a long-running `serve` started from an earlier build can still lazily
// import its chunks.
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '..', '..');
export const OUT_DIR = join(ROOT, '.vite', 'cli');
export const MANIFEST = join(OUT_DIR, 'manifest.json');
const ENTRY = join(ROOT, 'electron', 'cli', 'main.ts');
/** Bumped when the build options change in a way the inputs do not show. */
const FORMAT = 1;
/** Files that shape the output without being bundled: this script and the compiler options. */
const BUILD_INPUTS = ['electron/cli/bundle.mjs', 'tsconfig.json'];
const KEEP_OLD_MS = 24 * 3600_000;

function stamp(rel) {
  try {
    const s = statSync(join(ROOT, rel));
    return [s.mtimeMs, s.size];
  } catch {
    return null;
  }
}

/** The entry's file URL when the manifest matches every input as it is now; null otherwise. */
export function currentBundle() {
  let m;
  try {
    m = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return null;
  }
  if (m.format !== FORMAT || m.root !== ROOT || typeof m.entry !== 'string' || !m.inputs) return null;
  for (const [rel, want] of Object.entries(m.inputs)) {
    const now = stamp(rel);
    if (!now || !want || now[0] !== want[0] || now[1] !== want[1]) return null;
  }
  return pathToFileURL(join(OUT_DIR, m.entry)).href;
}

function writeAtomic(path, contents) {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

/**
 * tsx runs each module from its source file, so `import.meta.url` is that
 * file's URL (version.ts finds package.json, serve.ts the project root by it).
 * In a bundle it would be the chunk's URL, in another folder; rewrite it to
 * the source file's URL so both paths see the same value. The manifest records
 * ROOT, so a moved checkout rebuilds.
 */
const sourceUrlPlugin = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.tsx?$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

/** Builds the bundle and returns the entry's file URL. Throws when esbuild is missing or the sources do not compile. */
export async function buildBundle() {
  const { build } = await import('esbuild');
  const started = Date.now();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: ENTRY },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    outdir: OUT_DIR,
    outExtension: { '.js': '.mjs' },
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [sourceUrlPlugin],
  });
  mkdirSync(OUT_DIR, { recursive: true });
  const written = new Set([MANIFEST]);
  let entry;
  for (const f of result.outputFiles) {
    written.add(f.path);
    writeAtomic(f.path, f.contents);
  }
  for (const out of Object.keys(result.metafile.outputs)) {
    const name = relative(OUT_DIR, resolve(ROOT, out));
    if (name.startsWith('main-') && name.endsWith('.mjs')) entry = name;
  }
  if (!entry) throw new Error('esbuild wrote no main-*.mjs');
  const inputs = {};
  const ended = Date.now();
  for (const rel of [...Object.keys(result.metafile.inputs), ...BUILD_INPUTS]) {
    const s = stamp(rel);
    // A file changed while esbuild was reading it may be in the bundle in its
    // older form: record no stamp, so the next start rebuilds. The margin
    // covers file systems whose mtimes are whole seconds.
    inputs[rel] = s && !(s[0] >= started - 2000 && s[0] <= ended + 1) ? s : null;
  }
  writeAtomic(MANIFEST, JSON.stringify({ format: FORMAT, root: ROOT, entry, builtAt: new Date().toISOString(), inputs }, null, 1));
  removeOld(written);
  return pathToFileURL(join(OUT_DIR, entry)).href;
}

function removeOld(keep) {
  const now = Date.now();
  for (const name of readdirSync(OUT_DIR)) {
    const path = join(OUT_DIR, name);
    if (keep.has(path)) continue;
    try {
      if (now - statSync(path).mtimeMs > KEEP_OLD_MS) unlinkSync(path);
    } catch {
      // Another process removed it first.
    }
  }
}

/** The fresh bundle's entry URL, rebuilding it when stale; null when it cannot be built here. */
export async function freshBundle() {
  const url = currentBundle();
  if (url) return url;
  try {
    return await buildBundle();
  } catch {
    return null;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const url = await buildBundle();
  console.log(`built ${relative(ROOT, fileURLToPath(url))} in ${Math.round(performance.now() - t0)} ms`);
}
