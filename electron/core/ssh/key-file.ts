import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { HardenLabError } from '../errors';

/** OpenSSH private keys are a few KiB (an RSA-16384 key is about 12 KiB); anything larger is not a key. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Whether what a key path names may be read as a key: only a regular file
 * within the size cap. Pure, so the same rule judges the path before it is
 * opened and the descriptor after.
 */
export function isUsableKeyFile(st: Pick<Stats, 'size'> & { isFile(): boolean }): boolean {
  return st.isFile() && st.size <= MAX_KEY_FILE_BYTES;
}

/**
 * One text for every refusal (missing, unreadable, a directory, a FIFO, a
 * device, too large): a profile's key path comes from any API client, and
 * a message that told these apart would let it probe which paths exist.
 */
export function unusableKeyFileError(path: string, cause?: unknown): HardenLabError {
  return new HardenLabError('BAD_INPUT', `Cannot use the key file ${path}: it is not a regular readable file under 64 KiB.`, {
    hint: 'Point the profile at your private key (for example ~/.ssh/id_ed25519), or generate one with ssh-keygen -t ed25519.',
    ...(cause !== undefined ? { cause } : {}),
  });
}

function cancelledError(path: string): HardenLabError {
  return new HardenLabError('CANCELLED', `Reading the key file ${path} was cancelled.`);
}

/** Rejects as soon as the signal aborts; the operation itself runs on, and `orphan` disposes of its late result. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, path: string, orphan?: (value: T) => void): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    if (orphan) void p.then(orphan, () => undefined);
    return Promise.reject(cancelledError(path));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      if (orphan) void p.then(orphan, () => undefined);
      reject(cancelledError(path));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return;
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Reads a private key file, refusing anything but a small regular file.
 *
 * Symlinks are followed (keys in ~/.ssh are often links into a dotfiles
 * repo or a mounted secret); what is judged is the file they lead to. It is
 * judged twice: by stat before opening, so that a FIFO or a device is never
 * opened at all (opening some devices has effects), and by fstat of the
 * opened descriptor, so that a swap between the two checks is caught.
 * O_NONBLOCK makes that open return at once even if a FIFO was swapped in,
 * and the read stops one byte past the cap even if the file grows.
 */
export async function readKeyFile(path: string, opts: { signal?: AbortSignal } = {}): Promise<Buffer> {
  const { signal } = opts;
  if (signal?.aborted) throw cancelledError(path);
  let before: Stats;
  try {
    before = await unlessAborted(stat(path), signal, path);
  } catch (e) {
    if (e instanceof HardenLabError) throw e;
    throw unusableKeyFileError(path, e);
  }
  if (!isUsableKeyFile(before)) throw unusableKeyFileError(path);

  let fh: FileHandle;
  try {
    fh = await unlessAborted(open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY), signal, path, (late) => void late.close());
  } catch (e) {
    if (e instanceof HardenLabError) throw e;
    throw unusableKeyFileError(path, e);
  }
  try {
    const opened = await unlessAborted(fh.stat(), signal, path);
    if (!isUsableKeyFile(opened)) throw unusableKeyFileError(path);
    const buf = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await unlessAborted(fh.read(buf, total, buf.length - total, total), signal, path);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_KEY_FILE_BYTES) throw unusableKeyFileError(path);
    }
    return buf.subarray(0, total);
  } catch (e) {
    if (e instanceof HardenLabError) throw e;
    throw unusableKeyFileError(path, e);
  } finally {
    // After a cancel a read may still be in flight; closing waits for nobody and a late result is dropped.
    void fh.close().catch(() => undefined);
  }
}
