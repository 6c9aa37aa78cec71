import { join } from 'node:path';
import { labsDir } from './instance-store';
import { withFileLock } from '../../../file-lock';

/**
 * One lock per lab instance, shared by `lab up/down/destroy` and the QEMU
 * driver: a snapshot restore and a boot of the same VM never interleave,
 * whichever process (app, CLI, tests) asks. It lives beside the instance
 * directory so that creating and destroying the directory happen under it.
 */
export function withLabLock<T>(home: string, name: string, what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return withFileLock(join(labsDir(home), `.${name}.lock`), { timeoutMs: 30 * 60_000, what, ...(signal ? { signal } : {}) }, fn);
}
