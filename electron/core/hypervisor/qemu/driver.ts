import { randomBytes } from 'node:crypto';
import { explainInvalidName } from '../../../../shared/names';
import { HardenLabError } from '../../errors';
import { hardenlabHome } from '../../paths';
import { isInstanceRunning, queryRunStatus, startInstance, stopInstance } from './instance/boot';
import { assertLabName, instancePaths, listInstanceNames, readInstance, requireInstance, type InstanceRecord } from './instance/instance-store';
import { withLabLock } from './instance/lab-lock';
import type {
  DriverAvailability,
  HypervisorDriver,
  ProgressFn,
  RestoreOptions,
  Snapshot,
  SnapshotList,
  StopOptions,
  TakeSnapshotOptions,
  VmInfo,
} from '../types';
import { DISK_NODE } from './args';
import { locateQemu, qemuInstallHint, qemuVersion } from './process';
import { withQmp } from './qmp-client';
import { parseQueryStatus } from './qmp-parse';
import { addSnapshot, markRestored, newSnapshotId, reconcile, removeSnapshot, resolveSnapshotRef, toSnapshot, toSnapshotList, type SnapshotMeta, type SnapshotMetaEntry } from './snapshot-meta';
import { applyOffline, createOffline, deleteLive, deleteOffline, diskSnapshotLive, listLive, listOffline, loadLive, qmpFailure, saveLive } from './snapshot-ops';
import { readSnapshotMeta, writeSnapshotMeta } from './snapshot-store';
import { vmStateFrom } from './state';

/**
 * The QEMU driver. Its VMs are Harden Lab's lab instances (electron/core/lab),
 * each a QEMU process with a QMP socket, a qcow2 disk holding internal
 * snapshots, and snapshots.json holding their names and tree.
 *
 * Every operation on one VM runs under that lab's lock (shared with `lab
 * up/down`), so a restore never races a boot or another restore, even from
 * another Harden Lab process.
 */
export interface QemuDriverOptions {
  /** Resolved at each call, so tests can point HARDENLAB_HOME elsewhere. */
  home?: () => string;
  /** Default for stop(): how long the guest gets after the ACPI power button. */
  gracefulTimeoutMs?: number;
}

const MAX_DESCRIPTION = 4000;

function emit(fn: ProgressFn | undefined, phase: string, message: string, percent?: number): void {
  fn?.(percent === undefined ? { phase, message } : { phase, message, percent });
}

function notFound(vm: string, ref: string): HardenLabError {
  return new HardenLabError('SNAPSHOT_NOT_FOUND', `Lab VM "${vm}" has no snapshot "${ref}".`, {
    hint: `List its snapshots with \`hardenlab snapshot list --profile ${vm}\`; nothing was changed.`,
  });
}

export class QemuDriver implements HypervisorDriver {
  readonly kind = 'qemu' as const;
  private readonly home: () => string;
  private readonly gracefulTimeoutMs: number;

  constructor(opts: QemuDriverOptions = {}) {
    this.home = opts.home ?? (() => hardenlabHome());
    this.gracefulTimeoutMs = opts.gracefulTimeoutMs ?? 90_000;
  }

  async availability(): Promise<DriverAvailability> {
    const path = locateQemu();
    if (!path) return { available: false, detail: qemuInstallHint() };
    const version = await qemuVersion(path);
    return version ? { available: true, version, path } : { available: true, path };
  }

  async listVms(): Promise<VmInfo[]> {
    const out: VmInfo[] = [];
    for (const name of await listInstanceNames(this.home())) {
      try {
        out.push(await this.vmInfo(name));
      } catch {
        out.push({ hypervisor: 'qemu', id: name, name, state: 'unknown', accessible: false });
      }
    }
    return out;
  }

  async vmInfo(vm: string): Promise<VmInfo> {
    const rec = await this.record(vm);
    return this.infoOf(rec);
  }

  async start(vm: string, opts: { onProgress?: ProgressFn } = {}): Promise<void> {
    await this.locked(vm, 'start', async (rec) => {
      if (await isInstanceRunning(rec, this.home())) {
        const status = await queryRunStatus(rec.qmpSocket);
        if (status === 'paused' && rec.qmpSocket) {
          await withQmp(rec.qmpSocket, (q) => q.execute('cont')).catch((e) => {
            throw qmpFailure(`resume lab VM "${vm}"`, e);
          });
          emit(opts.onProgress, 'started', `Lab VM "${vm}" resumed.`);
        } else {
          emit(opts.onProgress, 'started', `Lab VM "${vm}" is already running.`);
        }
        return;
      }
      await startInstance(rec, { home: this.home(), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
      emit(opts.onProgress, 'started', `Lab VM "${vm}" started.`);
    });
  }

  async stop(vm: string, opts: StopOptions = {}): Promise<void> {
    await this.locked(vm, 'stop', async (rec) => {
      await stopInstance(rec, { home: this.home(), gracefulTimeoutMs: opts.gracefulTimeoutMs ?? this.gracefulTimeoutMs, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    });
  }

  async listSnapshots(vm: string): Promise<SnapshotList> {
    return this.locked(vm, 'list snapshots', async (rec) => toSnapshotList(await this.meta(rec)));
  }

  async takeSnapshot(vm: string, name: string, opts: TakeSnapshotOptions = {}): Promise<Snapshot> {
    const bad = explainInvalidName('snapshot', name);
    if (bad) throw new HardenLabError('BAD_INPUT', bad);
    const description = opts.description ?? '';
    if (description.length > MAX_DESCRIPTION) throw new HardenLabError('BAD_INPUT', `The snapshot description is longer than ${MAX_DESCRIPTION} characters.`);
    return this.locked(vm, 'take a snapshot', async (rec) => {
      const paths = instancePaths(rec.name, this.home());
      let meta = await this.meta(rec);
      const id = newSnapshotId(Date.now(), randomBytes(4).toString('hex'));
      const running = await isInstanceRunning(rec, this.home());
      const started = Date.now();
      if (running && rec.qmpSocket) {
        const socket = rec.qmpSocket;
        if (opts.live === false) {
          emit(opts.onProgress, 'snapshot', `Taking disk snapshot "${name}" of running lab VM "${vm}".`);
          await withQmp(socket, (q) => diskSnapshotLive(q, id, DISK_NODE)).catch((e) => {
            throw qmpFailure(`take snapshot "${name}"`, e);
          });
        } else {
          emit(opts.onProgress, 'snapshot', `Saving snapshot "${name}" of lab VM "${vm}" with its memory (the VM pauses briefly).`);
          await withQmp(socket, (q) => saveLive(q, id, DISK_NODE)).catch((e) => {
            throw qmpFailure(`take snapshot "${name}"`, e);
          });
        }
      } else {
        emit(opts.onProgress, 'snapshot', `Taking disk snapshot "${name}" of stopped lab VM "${vm}".`);
        await createOffline(rec.disk, id);
      }
      const actual = running && rec.qmpSocket ? await withQmp(rec.qmpSocket, (q) => listLive(q, DISK_NODE)) : await listOffline(rec.disk);
      const made = actual.find((s) => s.tag === id);
      if (!made) throw new HardenLabError('DRIVER_FAILED', `QEMU reported success but the disk has no snapshot ${id}.`);
      const entry: Omit<SnapshotMetaEntry, 'parentId'> = {
        id,
        name,
        description,
        createdAt: new Date().toISOString(),
        live: made.vmStateSize > 0,
        vmStateSize: made.vmStateSize,
      };
      meta = addSnapshot(meta, entry);
      await writeSnapshotMeta(paths.snapshots, meta);
      emit(opts.onProgress, 'snapshot', `Snapshot "${name}" taken in ${((Date.now() - started) / 1000).toFixed(2)} s.`, 100);
      return toSnapshot(meta.snapshots.find((s) => s.id === id)!);
    });
  }

  async restoreSnapshot(vm: string, ref: string, opts: RestoreOptions = {}): Promise<void> {
    await this.locked(vm, 'restore a snapshot', async (rec) => {
      const paths = instancePaths(rec.name, this.home());
      const meta = await this.meta(rec);
      const snap = this.resolve(meta, vm, ref);
      const start = opts.start !== false;
      const running = await isInstanceRunning(rec, this.home());
      const onProgress = opts.onProgress;
      const started = Date.now();

      if (running && rec.qmpSocket && snap.live) {
        const socket = rec.qmpSocket;
        emit(onProgress, 'restore', `Loading snapshot "${snap.name}" into running lab VM "${vm}".`);
        await withQmp(socket, async (q) => {
          const before = parseQueryStatus(await q.execute('query-status')).status;
          try {
            await loadLive(q, snap.id, DISK_NODE);
          } catch (e) {
            // QEMU stops the VM before loading and leaves it stopped when the
            // load fails. If it failed before loading anything (the tag vanished
            // behind our back), the old state is intact: let it run on.
            if (before === 'running' && e instanceof HardenLabError && /does not exist/i.test(e.message)) await q.execute('cont').catch(() => {});
            throw e;
          }
          const status = parseQueryStatus(await q.execute('query-status')).status;
          if (status !== 'running' && start) await q.execute('cont');
        }).catch((e) => {
          throw qmpFailure(`restore snapshot "${snap.name}"`, e);
        });
        await writeSnapshotMeta(paths.snapshots, markRestored(meta, snap.id));
      } else {
        if (running) {
          // A disk-only snapshot cannot be loaded into a running VM: its memory would not match the disk.
          emit(onProgress, 'power-off', `Snapshot "${snap.name}" holds no memory: powering lab VM "${vm}" off to restore its disk.`);
          await stopInstance(rec, { home: this.home(), gracefulTimeoutMs: 0 });
        }
        emit(onProgress, 'restore', `Restoring the disk of lab VM "${vm}" to snapshot "${snap.name}".`);
        await applyOffline(rec.disk, snap.id);
        // With memory in the snapshot, the next start resumes it; without, it boots the restored disk.
        const resume = snap.live;
        await writeSnapshotMeta(paths.snapshots, markRestored(meta, snap.id, resume && !start));
        if (start) {
          emit(onProgress, 'start', resume ? `Resuming lab VM "${vm}" from snapshot "${snap.name}".` : `Booting lab VM "${vm}" from the restored disk.`);
          const fresh = await requireInstance(rec.name, this.home());
          await startInstance(fresh, { home: this.home(), ...(resume ? { loadvm: snap.id } : {}), ...(onProgress ? { onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
        }
      }
      emit(onProgress, 'restored', `Lab VM "${vm}" is back at snapshot "${snap.name}" (${((Date.now() - started) / 1000).toFixed(2)} s).`, 100);
    });
  }

  async deleteSnapshot(vm: string, ref: string): Promise<void> {
    await this.locked(vm, 'delete a snapshot', async (rec) => {
      const paths = instancePaths(rec.name, this.home());
      const meta = await this.meta(rec);
      const snap = this.resolve(meta, vm, ref);
      if (rec.qmpSocket && (await isInstanceRunning(rec, this.home()))) {
        const socket = rec.qmpSocket;
        await withQmp(socket, (q) => deleteLive(q, snap.id, DISK_NODE)).catch((e) => {
          throw qmpFailure(`delete snapshot "${snap.name}"`, e);
        });
      } else {
        await deleteOffline(rec.disk, snap.id);
      }
      await writeSnapshotMeta(paths.snapshots, removeSnapshot(meta, snap.id));
    });
  }

  // --- helpers -------------------------------------------------------------

  private async record(vm: string): Promise<InstanceRecord> {
    assertLabName(vm);
    const rec = await readInstance(vm, this.home());
    if (!rec) {
      throw new HardenLabError('VM_NOT_FOUND', `There is no QEMU lab VM named "${vm}".`, {
        hint: `Create it with \`hardenlab lab up --name ${vm}\`, or list the lab VMs with \`hardenlab lab list\`.`,
      });
    }
    return rec;
  }

  private locked<T>(vm: string, what: string, fn: (rec: InstanceRecord) => Promise<T>): Promise<T> {
    assertLabName(vm);
    return withLabLock(this.home(), vm, `lab VM "${vm}" (${what})`, async () => fn(await this.record(vm)));
  }

  private async infoOf(rec: InstanceRecord): Promise<VmInfo> {
    const paths = instancePaths(rec.name, this.home());
    const alive = await isInstanceRunning(rec, this.home());
    const meta = await readSnapshotMeta(paths.snapshots).catch(() => null);
    const state = vmStateFrom({ processAlive: alive, qmpStatus: alive ? await queryRunStatus(rec.qmpSocket) : null, pendingLoad: meta !== null && meta.pendingLoad !== null });
    const info: VmInfo = { hypervisor: 'qemu', id: rec.name, name: rec.name, state, accessible: true };
    if (rec.port !== undefined) info.sshForward = { host: '127.0.0.1', port: rec.port };
    return info;
  }

  /** The metadata, brought in line with the snapshots QEMU actually has. */
  private async meta(rec: InstanceRecord): Promise<SnapshotMeta> {
    const paths = instancePaths(rec.name, this.home());
    const stored = await readSnapshotMeta(paths.snapshots);
    const running = rec.qmpSocket !== undefined && (await isInstanceRunning(rec, this.home()));
    const actual = running ? await withQmp(rec.qmpSocket!, (q) => listLive(q, DISK_NODE)).catch((e) => Promise.reject(qmpFailure('list snapshots', e))) : await listOffline(rec.disk);
    const r = reconcile(stored, actual);
    if (r.changed) await writeSnapshotMeta(paths.snapshots, r.meta);
    return r.meta;
  }

  private resolve(meta: SnapshotMeta, vm: string, ref: string): SnapshotMetaEntry {
    const look = resolveSnapshotRef(meta, ref);
    if (look.kind === 'missing') throw notFound(vm, ref);
    if (look.kind === 'ambiguous') {
      throw new HardenLabError('BAD_INPUT', `Lab VM "${vm}" has ${look.ids.length} snapshots named "${ref}".`, { hint: `Use the id of the one you mean: ${look.ids.join(', ')}.` });
    }
    return look.entry;
  }
}

export function createQemuDriver(opts: QemuDriverOptions = {}): HypervisorDriver {
  return new QemuDriver(opts);
}
