import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HardenLabError } from '../errors';
import { hardenlabCache, hardenlabHome } from '../paths';
import { ProfileStore } from '../profiles';
import { readPidFile, vmProcessAlive } from '../hypervisor/qemu/process';
import { readSnapshotMeta } from '../hypervisor/qemu/snapshot-store';
import { vmStateFrom } from '../hypervisor/qemu/state';
import type { ProgressFn, VmState } from '../hypervisor/types';
import { withQmp } from '../hypervisor/qemu/qmp-client';
import { isInstanceRunning, markKvmBroken, queryRunStatus, startInstance, stopInstance, type StopOutcome } from '../hypervisor/qemu/instance/boot';
import { createInstance, LAB_USER } from './create';
import { findImage, imagesDir } from './image/cache';
import { ensureImage } from './image/build';
import { imageKey } from './image/recipe';
import { assertLabName, instancePaths, listInstanceNames, readInstance, requireInstance, updateInstance, type InstanceRecord } from '../hypervisor/qemu/instance/instance-store';
import { withLabLock } from '../hypervisor/qemu/instance/lab-lock';
import { GuestStoppedError, waitForLabSsh } from '../hypervisor/qemu/instance/ready';

/**
 * The disposable lab VM: build the image once, create an instance from it,
 * boot it under QEMU, wait for a real SSH login, and register the connection
 * profile that the rest of Harden Lab uses to reach it.
 */

export interface LabTimings {
  /** Building the image (0 when the cached one was used). */
  imageSeconds: number;
  imageBuilt: boolean;
  /** Creating the instance (disk copy + keys); absent when it existed. */
  createSeconds?: number;
  /** QEMU launch to SSH banner and to a real login; absent when it was already running. */
  bannerSeconds?: number;
  bootSeconds?: number;
}

export interface LabProfileInfo {
  /** Lab name = profile name = QEMU driver VM name. */
  name: string;
  host: string;
  port: number;
  user: string;
  keyPath: string;
  /** "SHA256:..." as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** The pinned host key line, "ssh-ed25519 AAAA...". */
  hostKey: string;
  hypervisor: 'qemu';
  vm: string;
  state: VmState;
  accel: 'kvm' | 'tcg';
  accelNote: string;
  /** Seconds from QEMU launch to SSH login for the last boot. */
  bootSeconds: number;
  imageKey: string;
  kernel?: string;
  /** Files a test or a person may want: the known_hosts with the recorded keys, the serial console. */
  knownHostsFile: string;
  consoleLog: string;
  qmpSocket?: string;
  timings: LabTimings;
}

export interface LabUpOptions {
  name?: string;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  home?: string;
  cache?: string;
  /** For waiting on SSH after the boot (default 5 min). */
  sshTimeoutMs?: number;
}

function homeOf(o: { home?: string }): string {
  return o.home ?? hardenlabHome();
}

async function registerProfile(rec: InstanceRecord, home: string): Promise<void> {
  const store = new ProfileStore(home);
  let createdAt: string | undefined;
  try {
    const existing = await store.get(rec.name);
    if (existing.origin !== 'lab') {
      throw new HardenLabError('BAD_INPUT', `A profile named "${rec.name}" already exists and was not made by the lab.`, {
        hint: `Pick another lab name (--name), or delete that profile first.`,
      });
    }
    createdAt = existing.createdAt;
  } catch (e) {
    if (!(e instanceof HardenLabError && e.code === 'NOT_FOUND')) throw e;
  }
  await store.save({
    name: rec.name,
    host: '127.0.0.1',
    port: rec.port!,
    user: rec.user,
    auth: { kind: 'key', keyPath: rec.keyPath },
    hypervisor: { kind: 'qemu', vm: rec.name },
    pinnedHostKey: rec.hostKey.line,
    elevation: 'sudo',
    origin: 'lab',
    ...(createdAt ? { createdAt } : {}),
  });
}

function infoOf(rec: InstanceRecord, home: string, state: VmState, timings: LabTimings): LabProfileInfo {
  const paths = instancePaths(rec.name, home);
  const info: LabProfileInfo = {
    name: rec.name,
    host: '127.0.0.1',
    port: rec.port ?? 0,
    user: rec.user,
    keyPath: rec.keyPath,
    hostKeyFingerprint: rec.hostKey.fingerprint,
    hostKey: rec.hostKey.line,
    hypervisor: 'qemu',
    vm: rec.name,
    state,
    accel: rec.accel ?? 'tcg',
    accelNote: rec.accelNote ?? '',
    bootSeconds: rec.bootSeconds ?? 0,
    imageKey: rec.imageKey,
    knownHostsFile: paths.knownHosts,
    consoleLog: paths.consoleLog,
    timings,
  };
  if (rec.kernel) info.kernel = rec.kernel;
  if (rec.qmpSocket) info.qmpSocket = rec.qmpSocket;
  return info;
}

/**
 * Builds the image if needed, creates the instance if needed, boots it if it
 * is not running, waits for a real SSH login and registers the profile.
 * Idempotent: on a running lab it only checks SSH and refreshes the profile.
 */
export async function labUp(opts: LabUpOptions = {}): Promise<LabProfileInfo> {
  const name = opts.name ?? 'lab';
  assertLabName(name);
  const home = homeOf(opts);
  const progress = opts.onProgress;
  return withLabLock(
    home,
    name,
    `lab VM "${name}"`,
    async () => {
      const timings: LabTimings = { imageSeconds: 0, imageBuilt: false };
      let rec = await readInstance(name, home);
      if (!rec) {
        const img = await ensureImage({ ...(progress ? { onProgress: progress } : {}), ...(opts.signal ? { signal: opts.signal } : {}), cache: opts.cache ?? hardenlabCache() });
        timings.imageSeconds = img.built ? img.seconds : 0;
        timings.imageBuilt = img.built;
        if (!img.built) progress?.({ phase: 'image', message: `Using the cached lab image ${img.image.info.key}.` });
        rec = await createInstance(name, img.image, { home, ...(progress ? { onProgress: progress } : {}) });
        timings.createSeconds = rec.createSeconds ?? 0;
      } else if (rec.imageKey !== imageKey()) {
        progress?.({ phase: 'image', message: `Lab VM "${name}" was made from an older image recipe (${rec.imageKey}); destroy it to get the current one.` });
      }

      if (await isInstanceRunning(rec, home)) {
        const st = await queryRunStatus(rec.qmpSocket);
        if (st === 'paused' && rec.qmpSocket) {
          progress?.({ phase: 'boot', message: `Lab VM "${name}" was paused; resuming it.` });
          await withQmp(rec.qmpSocket, (q) => q.execute('cont'));
        } else {
          progress?.({ phase: 'boot', message: `Lab VM "${name}" is already running.` });
        }
        await waitForLabSsh(rec, { home, timeoutMs: opts.sshTimeoutMs ?? 5 * 60_000, ...(progress ? { onProgress: progress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
      } else {
        let launchedAt = Date.now();
        const common = { home, ...(progress ? { onProgress: progress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) };
        rec = await startInstance(rec, common);
        let times;
        try {
          times = await waitForLabSsh(rec, { ...common, timeoutMs: opts.sshTimeoutMs ?? 5 * 60_000 });
        } catch (e) {
          // Nested KVM can pass the firmware probe and still fail once the kernel runs: retry under TCG.
          if (!(e instanceof GuestStoppedError && e.runState === 'internal-error' && rec.accel === 'kvm')) throw e;
          markKvmBroken('the guest kernel stopped with a KVM internal error');
          await stopInstance(rec, { home, gracefulTimeoutMs: 0 });
          launchedAt = Date.now();
          rec = await startInstance(await requireInstance(name, home), common);
          times = await waitForLabSsh(rec, { ...common, timeoutMs: opts.sshTimeoutMs ?? 5 * 60_000 });
        }
        const bootSeconds = Math.round((Date.now() - launchedAt) / 100) / 10;
        rec = await updateInstance(name, { bootSeconds }, home);
        timings.bannerSeconds = Math.round(times.bannerSeconds * 10) / 10;
        timings.bootSeconds = bootSeconds;
        progress?.({ phase: 'ready', message: `Lab VM "${name}" is ready: SSH login after ${bootSeconds} s (${rec.accel?.toUpperCase()}).`, percent: 100 });
      }
      await registerProfile(rec, home);
      return infoOf(rec, home, 'running', timings);
    },
    opts.signal,
  );
}

export interface LabDownOptions {
  home?: string;
  onProgress?: ProgressFn;
  /** How long the guest gets to shut down before it is powered off (default 90 s). */
  gracefulTimeoutMs?: number;
}

/** Shuts the lab VM down (ACPI, then quit, then kill). Its disk, snapshots and profile stay. */
export async function labDown(name = 'lab', opts: LabDownOptions = {}): Promise<StopOutcome> {
  assertLabName(name);
  const home = homeOf(opts);
  return withLabLock(home, name, `lab VM "${name}"`, async () => {
    const rec = await requireInstance(name, home);
    return stopInstance(rec, { home, gracefulTimeoutMs: opts.gracefulTimeoutMs ?? 90_000, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  });
}

export interface LabStatus {
  name: string;
  exists: boolean;
  state: VmState | 'absent';
  /** Whether the image this instance (or a new one) is made from is in the cache. */
  imageCached: boolean;
  imageKey: string;
  host?: string;
  port?: number;
  user?: string;
  keyPath?: string;
  hostKeyFingerprint?: string;
  pid?: number;
  accel?: 'kvm' | 'tcg';
  accelNote?: string;
  qmpSocket?: string;
  bootSeconds?: number;
  consoleLog?: string;
  snapshotCount?: number;
  createdAt?: string;
}

export async function labStatus(name = 'lab', opts: { home?: string; cache?: string } = {}): Promise<LabStatus> {
  assertLabName(name);
  const home = homeOf(opts);
  const rec = await readInstance(name, home);
  const key = rec?.imageKey ?? imageKey();
  const imageCached = (await findImage(key, opts.cache ?? hardenlabCache())) !== null;
  if (!rec) return { name, exists: false, state: 'absent', imageCached, imageKey: key };
  const paths = instancePaths(name, home);
  const pid = (await readPidFile(paths.pidFile)) ?? rec.pid;
  const alive = await vmProcessAlive(pid, rec.disk);
  const meta = await readSnapshotMeta(paths.snapshots).catch(() => null);
  const state = vmStateFrom({ processAlive: alive, qmpStatus: alive ? await queryRunStatus(rec.qmpSocket) : null, pendingLoad: meta !== null && meta.pendingLoad !== null });
  const s: LabStatus = {
    name,
    exists: true,
    state,
    imageCached,
    imageKey: key,
    host: '127.0.0.1',
    user: rec.user,
    keyPath: rec.keyPath,
    hostKeyFingerprint: rec.hostKey.fingerprint,
    consoleLog: rec.consoleLog,
    createdAt: rec.createdAt,
  };
  if (rec.port !== undefined) s.port = rec.port;
  if (alive && pid) s.pid = pid;
  if (rec.accel) s.accel = rec.accel;
  if (rec.accelNote) s.accelNote = rec.accelNote;
  if (alive && rec.qmpSocket) s.qmpSocket = rec.qmpSocket;
  if (rec.bootSeconds !== undefined) s.bootSeconds = rec.bootSeconds;
  if (meta) s.snapshotCount = meta.snapshots.length;
  return s;
}

export interface LabDestroyOptions {
  home?: string;
  cache?: string;
  onProgress?: ProgressFn;
  /** Also delete the cached image this lab was made from (default false). */
  deleteImage?: boolean;
}

/** Stops the VM at once (its state is being thrown away), deletes its directory and its profile. */
export async function labDestroy(name = 'lab', opts: LabDestroyOptions = {}): Promise<{ destroyed: boolean; imageDeleted: boolean }> {
  assertLabName(name);
  const home = homeOf(opts);
  return withLabLock(home, name, `lab VM "${name}"`, async () => {
    const rec = await readInstance(name, home);
    const paths = instancePaths(name, home);
    if (rec) await stopInstance(rec, { home, gracefulTimeoutMs: 0, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    await rm(paths.dir, { recursive: true, force: true });
    const store = new ProfileStore(home);
    const profile = (await store.list()).find((p) => p.name === name);
    if (profile && profile.origin === 'lab' && profile.hypervisor?.kind === 'qemu' && profile.hypervisor.vm === name) await store.delete(name);
    let imageDeleted = false;
    if (opts.deleteImage) {
      const key = rec?.imageKey ?? imageKey();
      const dir = join(imagesDir(opts.cache ?? hardenlabCache()), key);
      await rm(dir, { recursive: true, force: true });
      imageDeleted = true;
    }
    opts.onProgress?.({ phase: 'destroyed', message: `Lab VM "${name}" destroyed${imageDeleted ? ' and its image deleted' : ''}.` });
    return { destroyed: rec !== null, imageDeleted };
  });
}

/** Every lab instance with its state, in the shape of the API's LabInfo. */
export async function listLabs(opts: { home?: string; cache?: string } = {}): Promise<LabStatus[]> {
  const home = homeOf(opts);
  const out: LabStatus[] = [];
  for (const n of await listInstanceNames(home)) out.push(await labStatus(n, opts));
  return out;
}

export { ensureImage, type EnsureImageResult, type BuildImageOptions } from './image/build';
export { findImage, type CachedImage, type ImageInfo } from './image/cache';
export { imageKey, LAB_RECIPE } from './image/recipe';
export { LAB_USER };
