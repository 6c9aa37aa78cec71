import { spawnSync } from 'node:child_process';
import { readFileSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = resolve(__dirname, 'hardenlab.mjs');
const root = resolve(__dirname, '..', '..');
const manifest = join(root, '.vite', 'cli', 'manifest.json');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the prebuilt CLI', () => {
  it('prints the same --version and --help as the tsx path', () => {
    for (const args of [['--version'], ['--version', '--json'], ['--help'], ['snapshot', '--help']]) {
      expect(cli(args)).toEqual(cli(args, { HARDENLAB_CLI: 'tsx' }));
    }
  }, 60_000);

  it('never runs a stale bundle: a source touched after the build is rebuilt first', async () => {
    cli(['--version']);
    const before = JSON.parse(readFileSync(manifest, 'utf8')) as { builtAt: string; inputs: Record<string, unknown> };
    expect(Object.keys(before.inputs)).toContain('electron/cli/version.ts');
    const { currentBundle } = await import('./bundle.mjs');
    expect(currentBundle()).not.toBeNull();
    const now = new Date();
    utimesSync(join(root, 'electron/cli/version.ts'), now, now);
    expect(currentBundle()).toBeNull();
    expect(cli(['--version']).out).toMatch(/^hardenlab \d+\.\d+\.\d+\n$/);
    const after = JSON.parse(readFileSync(manifest, 'utf8')) as { builtAt: string };
    expect(after.builtAt).not.toBe(before.builtAt);
  }, 60_000);
});

describe('lazily loaded commands', () => {
  it('carry the same summary in main.ts as in their module', async () => {
    const { LAZY_COMMANDS } = await import('./main');
    for (const [name, entry] of Object.entries(LAZY_COMMANDS)) {
      const cmd = await entry.load();
      expect(cmd.name).toBe(name);
      expect(entry.summary).toBe(cmd.summary);
    }
  }, 60_000);
});
