import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/**
 * Starts the real browser-mode server (`hardenlab serve`) as its own process,
 * with its own Harden Lab home unless E2E_HARDENLAB_HOME is given, and hands
 * its token URL to the specs through the environment.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  mkdirSync(join(root, 'e2e', 'artifacts'), { recursive: true });
  const home = process.env.E2E_HARDENLAB_HOME ?? mkdtempSync(join(tmpdir(), 'hl-e2e-home-'));
  const child: ChildProcess = spawn(process.execPath, [join(root, 'electron', 'cli', 'hardenlab.mjs'), 'serve', '--json'], {
    cwd: root,
    env: { ...process.env, HARDENLAB_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c) => (stderr += String(c)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hardenlab serve did not start within 60 s:\n${stderr}`)), 60_000);
    child.stdout?.on('data', (c) => {
      out += String(c);
      try {
        const parsed = JSON.parse(out) as { url: string };
        clearTimeout(timer);
        resolveUrl(parsed.url);
      } catch {
        /* not complete yet */
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hardenlab serve exited with ${code}:\n${stderr}`));
    });
  });
  process.env.HARDENLAB_E2E_URL = url;
  process.env.HARDENLAB_E2E_HOME = home;
  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
}
