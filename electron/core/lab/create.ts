import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HardenLabError } from '../errors';
import type { ProgressFn } from '../hypervisor/types';
import type { CachedImage } from './image/cache';
import { FW_CFG_AUTHORIZED_KEYS } from './image/guest-files';
import { instancePaths, knownHostsAlias, labsDir, writeJsonAtomic, type InstanceRecord } from '../hypervisor/qemu/instance/instance-store';
import { ensureOperatorKey, generateHostKeys } from './keys';
import { pidAlive } from '../file-lock';

/**
 * Creates a lab instance from the cached image.
 *
 * The disk is a full copy of the image (a reflink where the file system can,
 * about a second otherwise), not a qcow2 overlay on it. Both keep internal
 * snapshots working (they live in the top image), but the cache is meant to
 * be disposable: an overlay would break the moment someone clears the cache
 * or a new recipe replaces the image, taking the instance and its snapshots
 * with it.
 *
 * Everything is assembled in a temporary directory and renamed into place,
 * so an instance directory with a record is always complete.
 */
export const LAB_USER = 'lab';
export const DEFAULT_MEMORY_MIB = 1024;
export const DEFAULT_CPUS = 2;

export interface CreateInstanceOptions {
  home: string;
  onProgress?: ProgressFn;
  memoryMiB?: number;
  cpus?: number;
}

/** known_hosts lines under a port-independent alias (used with ssh -o HostKeyAlias). */
export function knownHostsText(name: string, keys: readonly { line: string }[]): string {
  return keys.map((k) => `${knownHostsAlias(name)} ${k.line}\n`).join('');
}

/** Half-made instances of processes that died while creating them. */
async function sweepAbandonedCreations(home: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(labsDir(home));
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\.creating-.+-(\d+)$/.exec(n);
    if (m && !pidAlive(Number(m[1]))) await rm(join(labsDir(home), n), { recursive: true, force: true });
  }
}

export async function createInstance(name: string, image: CachedImage, opts: CreateInstanceOptions): Promise<InstanceRecord> {
  const started = Date.now();
  const paths = instancePaths(name, opts.home);
  await mkdir(labsDir(opts.home), { recursive: true, mode: 0o700 });
  await sweepAbandonedCreations(opts.home);
  const tmp = join(labsDir(opts.home), `.creating-${name}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  // A directory without a record is what an interrupted creation leaves behind.
  await rm(paths.dir, { recursive: true, force: true });
  await mkdir(tmp, { mode: 0o700 });
  try {
    opts.onProgress?.({ phase: 'instance', message: `Creating lab VM "${name}" from image ${image.info.key}` });
    await copyFile(image.disk, join(tmp, 'disk.qcow2'), constants.COPYFILE_FICLONE);
    const operator = await ensureOperatorKey(opts.home);
    if (operator.created) opts.onProgress?.({ phase: 'instance', message: `Created the operator key ${operator.privatePath}` });
    const secretsTmp = join(tmp, 'secrets');
    const hostKeys = await generateHostKeys(secretsTmp);
    await writeFile(join(secretsTmp, FW_CFG_AUTHORIZED_KEYS), `${operator.line} hardenlab-operator\n`, { mode: 0o600 });
    const ed = hostKeys.find((k) => k.type === 'ed25519')!;
    await writeFile(join(tmp, 'known_hosts'), knownHostsText(name, hostKeys), { mode: 0o600 });
    const rec: InstanceRecord = {
      version: 1,
      name,
      imageKey: image.info.key,
      kernel: image.info.kernel,
      createdAt: new Date().toISOString(),
      disk: paths.disk,
      memoryMiB: opts.memoryMiB ?? DEFAULT_MEMORY_MIB,
      cpus: opts.cpus ?? DEFAULT_CPUS,
      hostKey: { type: ed.algorithm, line: ed.line, fingerprint: ed.fingerprint },
      hostKeys: hostKeys.map((k) => ({ type: k.algorithm, line: k.line, fingerprint: k.fingerprint })),
      keyPath: operator.privatePath,
      user: LAB_USER,
      consoleLog: paths.consoleLog,
      createSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    await writeJsonAtomic(join(tmp, 'instance.json'), rec);
    await rename(tmp, paths.dir);
    return rec;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    if (e instanceof HardenLabError) throw e;
    throw new HardenLabError('INTERNAL', `Creating lab VM "${name}" failed: ${(e as Error).message}`, { cause: e });
  }
}
