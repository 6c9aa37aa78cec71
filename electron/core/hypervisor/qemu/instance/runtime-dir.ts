import { createHash } from 'node:crypto';
import { lstat, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HardenLabError } from '../../../errors';

/**
 * A short private directory for sockets whose natural place (the instance
 * directory) is too long for a unix socket path. It sits in a shared temp
 * directory, so it must be ours: created 0700, not a symlink, owned by us.
 */
export async function ensureRuntimeDir(base: string = process.env.XDG_RUNTIME_DIR || tmpdir()): Promise<string> {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = join(base, `hardenlab-${uid}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory() || st.isSymbolicLink() || (typeof process.getuid === 'function' && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new HardenLabError('UNSAFE_PATH', `${dir} is not a private directory of this user.`, { hint: `Remove ${dir} and try again.` });
  }
  return dir;
}

/** A short stable name for an instance directory. */
export function instanceKey(dir: string): string {
  return createHash('sha256').update(dir).digest('hex').slice(0, 16);
}
