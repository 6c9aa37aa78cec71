import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../atomic-file';
import { hardenlabHome } from '../paths';
import type { PublicKey } from './host-key';
import {
  formatKnownHostLine,
  parseKnownHosts,
  removeHostFromKnownHosts,
  serializeKnownHosts,
  type KnownHostEntry,
  type KnownHostsLine,
} from './known-hosts';

export function defaultKnownHostsPath(home: string = hardenlabHome()): string {
  return join(home, 'known_hosts');
}

export function userKnownHostsPath(): string {
  return join(homedir(), '.ssh', 'known_hosts');
}

export interface KnownHostsStoreOptions {
  /** The app's own file: the only one Harden Lab ever writes. */
  file?: string;
  /** Also trust ~/.ssh/known_hosts (or this file), read-only. */
  userFile?: string | null;
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * The known_hosts files on this machine. Reading merges the app's file and,
 * when asked, the user's own ~/.ssh/known_hosts; writing touches only the
 * app's file, so Harden Lab never edits what ssh itself manages.
 */
export class KnownHostsStore {
  readonly file: string;
  readonly userFile: string | null;

  constructor(opts: KnownHostsStoreOptions = {}) {
    this.file = opts.file ?? defaultKnownHostsPath();
    this.userFile = opts.userFile ?? null;
  }

  async entries(): Promise<KnownHostEntry[]> {
    const out: KnownHostEntry[] = [];
    for (const file of [this.file, this.userFile]) {
      if (!file) continue;
      const text = await readIfExists(file);
      if (text === null) continue;
      for (const line of parseKnownHosts(text, file)) if (line.kind === 'entry') out.push(line);
    }
    return out;
  }

  async add(host: string, port: number, key: PublicKey, comment?: string): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const existing = await readIfExists(this.file);
    const lead = existing && !existing.endsWith('\n') ? '\n' : '';
    const line = formatKnownHostLine({ host, port, key, ...(comment ? { comment } : {}) });
    // O_APPEND keeps two connects that both remember a key from losing either line.
    await appendFile(this.file, lead + line + '\n', { mode: 0o600 });
  }

  /** Forgets every plain key recorded for host:port in the app's file (the explicit way past a changed key). */
  async remove(host: string, port: number): Promise<{ removed: number; file: string }> {
    const text = await readIfExists(this.file);
    if (text === null) return { removed: 0, file: this.file };
    const { lines, removed } = removeHostFromKnownHosts(parseKnownHosts(text), host, port);
    if (removed > 0) await this.rewrite(lines);
    return { removed, file: this.file };
  }

  private async rewrite(lines: KnownHostsLine[]): Promise<void> {
    const mode = (await stat(this.file)).mode & 0o777;
    await writeFileAtomic(this.file, serializeKnownHosts(lines), { mode });
  }
}
