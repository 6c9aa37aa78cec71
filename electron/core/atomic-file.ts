import { mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces a local file so that a crash at any moment leaves either the old
 * or the new content, never half of one: write a temporary file beside it,
 * fsync it, rename it over the old one. Used for every state file Harden Lab
 * keeps (profiles, known_hosts, secrets, lab instances).
 */
export async function writeFileAtomic(file: string, content: string | Buffer, opts: { mode?: number; dirMode?: number } = {}): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: opts.dirMode ?? 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    await writeFile(tmp, content, { mode: opts.mode ?? 0o600 });
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
