import { open } from 'node:fs/promises';
import { HardenLabError } from '../../errors';
import { mustExec, type Target } from '../../engine/target';
import type { LocalPackageFile } from './package-files';

/**
 * Copies binary files to the VM over the step's one SSH connection. Target
 * commands take text on stdin, so each piece travels as base64 and `base64 -d`
 * (coreutils and busybox both have it) appends it to the file; the file name
 * is an argument, never part of the script. The SHA-256 of the result is
 * compared with the local file's before anything installs it.
 */
export const UPLOAD_CHUNK_BYTES = 3 * 1024 * 1024;

const APPEND_SCRIPT = 'base64 -d >> "$1"';

/** A fresh directory under /var/tmp (disk, not a RAM-backed /tmp); mkdir fails if anything is already there, so nothing planted in advance is reused. */
export function uploadDirFor(token: string): string {
  if (!/^[a-f0-9]{8,32}$/.test(token)) throw new Error('upload token must be hex');
  return `/var/tmp/hardenlab-kernel-${token}`;
}

export async function uploadFiles(
  target: Target,
  dir: string,
  files: readonly LocalPackageFile[],
  opts: { elevate: boolean; log?: (m: string) => void; chunkBytes?: number },
): Promise<void> {
  const chunkBytes = opts.chunkBytes ?? UPLOAD_CHUNK_BYTES;
  await mustExec(target, ['mkdir', '-m', '0700', '--', dir], { elevate: opts.elevate }, `Creating ${dir}`);
  for (const f of files) {
    const remote = `${dir}/${f.name}`;
    const t0 = Date.now();
    const fh = await open(f.localPath, 'r');
    try {
      const buf = Buffer.alloc(chunkBytes);
      let offset = 0;
      // An empty file still has to exist on the VM.
      await mustExec(target, ['sh', '-c', ': > "$1"', 'sh', remote], { elevate: opts.elevate }, `Creating ${remote}`);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, chunkBytes, offset);
        if (bytesRead === 0) break;
        await mustExec(target, ['sh', '-c', APPEND_SCRIPT, 'sh', remote], { elevate: opts.elevate, stdin: buf.subarray(0, bytesRead).toString('base64'), timeoutMs: 120_000 }, `Uploading ${f.name}`);
        offset += bytesRead;
      }
      if (offset !== f.size) throw new HardenLabError('BAD_INPUT', `${f.localPath} changed while it was being uploaded (${offset} bytes read, ${f.size} expected).`);
    } finally {
      await fh.close();
    }
    const sum = await mustExec(target, ['sha256sum', '--', remote], { elevate: opts.elevate }, `Checking ${remote}`);
    const remoteSha = sum.stdout.trim().split(/\s+/)[0] ?? '';
    if (remoteSha !== f.sha256) {
      throw new HardenLabError('VERIFY_FAILED', `${f.name} arrived on the VM damaged (SHA-256 ${remoteSha.slice(0, 16)}…, expected ${f.sha256.slice(0, 16)}…).`, { hint: 'Apply again; the snapshot was restored.' });
    }
    opts.log?.(`Uploaded ${f.name} (${(f.size / 1024 / 1024).toFixed(1)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s, SHA-256 matches).`);
  }
}
