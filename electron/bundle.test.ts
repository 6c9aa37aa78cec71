import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type InlineConfig } from 'vite';
import { describe, expect, it } from 'vitest';

// No Electron binary can be fetched here, so `electron-forge start` cannot
// run; but its Vite builds can. Build main and preload exactly as the Forge
// Vite plugin would (its own config generator, our forge.config.ts entries)
// and check what the bundles contain.
const root = resolve(__dirname, '..');

async function forgeConfigs(): Promise<InlineConfig[]> {
  const genUrl = pathToFileURL(join(root, 'node_modules/@electron-forge/plugin-vite/dist/ViteConfig.js')).href;
  const { default: ViteConfigGenerator } = (await import(genUrl)) as { default: new (cfg: unknown, dir: string, prod: boolean) => { getBuildConfigs(): Promise<InlineConfig[]> } };
  const pluginConfig = {
    build: [
      { entry: 'electron/main/main.ts', config: join(root, 'electron/vite.main.config.ts'), target: 'main' },
      { entry: 'electron/preload/preload.ts', config: join(root, 'electron/vite.preload.config.ts'), target: 'preload' },
    ],
    renderer: [{ name: 'main_window', config: join(root, 'renderer/vite.config.ts') }],
  };
  return new ViteConfigGenerator(pluginConfig, root, true).getBuildConfigs();
}

describe('Electron bundles (built the way electron-forge builds them)', () => {
  it('builds main.cjs and a preload that carries no schema library', async () => {
    const out = mkdtempSync(join(tmpdir(), 'hl-bundle-'));
    for (const config of await forgeConfigs()) {
      await build({ ...config, logLevel: 'silent', build: { ...config.build, outDir: out, minify: false } });
    }
    const main = readFileSync(join(out, 'main.cjs'), 'utf8');
    const preload = readFileSync(join(out, 'preload.cjs'), 'utf8');
    expect(existsSync(join(out, 'main.cjs'))).toBe(true);
    expect(main).toContain('registerSchemesAsPrivileged');
    expect(main).toContain('setPermissionRequestHandler');
    expect(main).toMatch(/require\("electron"\)/);
    expect(preload).toContain('exposeInMainWorld');
    expect(preload).not.toMatch(/ZodType|safeParse/);
    // Everything the main process needs is bundled: no runtime require of our TS sources or of zod.
    // (ssh2's optional native binding stays an external require inside its own try/catch; it falls back to JS.)
    const relative = [...main.matchAll(/require\("(\.\.?\/[^"]*)"\)/g)].map((m) => m[1]!);
    expect(relative.filter((r) => !r.endsWith('.node'))).toEqual([]);
    expect(main).not.toMatch(/require\("zod"\)/);
  }, 120_000);
});
