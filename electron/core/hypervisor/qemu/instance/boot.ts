import { readFile, rename, rm } from 'node:fs/promises';
import { HardenLabError, isHardenLabError } from '../../../errors';
import { pickLocalPort, ephemeralPort } from '../../../net/free-port';
import { decideAccel, type ProbeResult } from '../accel';
import { buildQemuArgv, chooseQmpSocketPath, DISK_NODE, type Accel, type FwCfgFile } from '../args';
import { isPortConflict, kvmDeviceState, launchDaemonized, probeKvm, readPidFile, requireQemu, signalPid, vmProcessAlive, waitForExit } from '../process';
import { withQmp, type QmpClient } from '../qmp-client';
import { parseQueryStatus } from '../qmp-parse';
import { readSnapshotMeta, writeSnapshotMeta } from '../snapshot-store';
import type { ProgressFn } from '../../types';
import { FW_CFG_AUTHORIZED_KEYS, FW_CFG_HOST_KEY_FILES, FW_CFG_PREFIX } from './fw-cfg';
import { instancePaths, updateInstance, type InstancePaths, type InstanceRecord } from './instance-store';
import { ensureRuntimeDir, instanceKey } from './runtime-dir';

/**
 * Starting and stopping the QEMU process of a lab instance. No SSH here
 * (ready.ts waits for it): "started" means QEMU runs the guest.
 */

let kvmProbe: ProbeResult | undefined;

/** The guest died of a KVM internal error after the probe passed: use TCG from now on in this process. */
export function markKvmBroken(detail: string): void {
  kvmProbe = { ok: false, detail };
}

export interface AccelChoice {
  accel: Accel;
  note: string;
}

export async function chooseAccel(qemu: string, env: NodeJS.ProcessEnv = process.env): Promise<AccelChoice> {
  const facts = { forced: env.HARDENLAB_ACCEL, kvmDevice: await kvmDeviceState(), probe: kvmProbe };
  let d = decideAccel(facts);
  if (d.kind === 'probe') {
    kvmProbe = await probeKvm(qemu);
    d = decideAccel({ ...facts, probe: kvmProbe });
  }
  if (d.kind === 'invalid') throw new HardenLabError('BAD_INPUT', d.message, { hint: 'Unset HARDENLAB_ACCEL, or set it to kvm or tcg.' });
  if (d.kind !== 'use') throw new HardenLabError('INTERNAL', 'The accelerator decision did not settle.');
  return { accel: d.accel, note: d.note };
}

function emit(fn: ProgressFn | undefined, phase: string, message: string, percent?: number): void {
  fn?.(percent === undefined ? { phase, message } : { phase, message, percent });
}

export function fwCfgFiles(paths: InstancePaths): FwCfgFile[] {
  return [...FW_CFG_HOST_KEY_FILES, FW_CFG_AUTHORIZED_KEYS].map((f) => ({ name: `${FW_CFG_PREFIX}/${f}`, file: `${paths.secrets}/${f}` }));
}

/** The last lines of the serial console, for errors that say why a boot failed. */
export async function consoleTail(paths: InstancePaths, lines = 30): Promise<string> {
  try {
    const text = await readFile(paths.consoleLog, 'utf8');
    return text.replace(/\r/g, '').split('\n').slice(-lines).join('\n').trim();
  } catch {
    return '';
  }
}

/** QEMU's run state, or null when its monitor does not answer. */
export async function queryRunStatus(socket: string | undefined, timeoutMs = 5000): Promise<string | null> {
  if (!socket) return null;
  try {
    return await withQmp(socket, async (q) => parseQueryStatus(await q.execute('query-status', undefined, { timeoutMs })).status, { timeoutMs });
  } catch {
    return null;
  }
}

export async function isInstanceRunning(rec: InstanceRecord, home?: string): Promise<boolean> {
  const paths = instancePaths(rec.name, home);
  const pid = (await readPidFile(paths.pidFile)) ?? rec.pid;
  return vmProcessAlive(pid, rec.disk);
}

export interface StartOptions {
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  home?: string;
  /** Start from this live snapshot (QEMU -loadvm) instead of a cold boot. */
  loadvm?: string;
}

/**
 * Launches QEMU for the instance. A live snapshot restored while the VM was
 * off (pendingLoad) is resumed instead of a cold boot. Retries once with a
 * new port if another program grabbed the chosen one first, and falls back
 * from KVM to TCG if the guest dies of a KVM internal error.
 */
export async function startInstance(rec: InstanceRecord, opts: StartOptions = {}): Promise<InstanceRecord> {
  const paths = instancePaths(rec.name, opts.home);
  if (await isInstanceRunning(rec, opts.home)) {
    throw new HardenLabError('VM_WRONG_STATE', `Lab VM "${rec.name}" is already running.`);
  }
  const qemu = requireQemu();
  const meta = await readSnapshotMeta(paths.snapshots);
  const loadvm = opts.loadvm ?? meta.pendingLoad ?? undefined;
  let choice = await chooseAccel(qemu);
  emit(opts.onProgress, 'accel', choice.note);

  const runtime = await ensureRuntimeDir();
  const qmpSocket = chooseQmpSocketPath(paths.dir, runtime, instanceKey(paths.dir));
  let previousPort = rec.port;

  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new HardenLabError('CANCELLED', 'Starting the lab VM was cancelled.');
    const picked = attempt === 1 ? await pickLocalPort(previousPort) : { port: await ephemeralPort(), reused: false, reason: 'the previous choice was taken' };
    if (!picked.reused && previousPort !== undefined) emit(opts.onProgress, 'port', `SSH port ${previousPort} is not free; using ${picked.port} (${picked.reason}).`);
    await rm(paths.pidFile, { force: true });
    await rename(paths.consoleLog, `${paths.dir}/console.previous.log`).catch(() => {});
    const argv = buildQemuArgv({
      name: rec.name,
      disk: rec.disk,
      diskNode: DISK_NODE,
      accel: choice.accel,
      memoryMiB: rec.memoryMiB,
      cpus: rec.cpus,
      sshPort: picked.port,
      qmpSocket,
      pidFile: paths.pidFile,
      serialLog: paths.consoleLog,
      fwCfg: fwCfgFiles(paths),
      ...(loadvm !== undefined ? { loadvm } : {}),
      daemonize: true,
    });
    emit(opts.onProgress, 'boot', loadvm ? `Resuming lab VM "${rec.name}" from snapshot ${loadvm} (${choice.accel.toUpperCase()})` : `Booting lab VM "${rec.name}" (${choice.accel.toUpperCase()}, ${rec.memoryMiB} MiB, ${rec.cpus} vCPU, SSH on 127.0.0.1:${picked.port})`);
    const launched = await launchDaemonized(qemu, argv);
    if (!launched.ok) {
      if (isPortConflict(launched.stderr) && attempt < 3) {
        previousPort = undefined;
        continue;
      }
      if (/snapshot/i.test(launched.stderr) && loadvm !== undefined) {
        throw new HardenLabError('SNAPSHOT_NOT_FOUND', `QEMU could not resume snapshot ${loadvm}: ${launched.stderr.split('\n')[0]}`, { detail: launched.stderr });
      }
      if (/lock/i.test(launched.stderr)) {
        throw new HardenLabError('VM_WRONG_STATE', `The disk of lab VM "${rec.name}" is in use by another QEMU.`, { hint: 'Stop that QEMU first (hardenlab lab down).', detail: launched.stderr });
      }
      throw new HardenLabError('DRIVER_FAILED', `QEMU did not start lab VM "${rec.name}": ${launched.stderr.split('\n')[0] || `exit ${launched.code}`}`, { detail: launched.stderr });
    }
    const pid = await readPidFile(paths.pidFile);
    if (!pid) throw new HardenLabError('DRIVER_FAILED', `QEMU started but wrote no pid file at ${paths.pidFile}.`);
    let next = await updateInstance(rec.name, { pid, port: picked.port, qmpSocket, accel: choice.accel, accelNote: choice.note, bootedAt: new Date().toISOString() }, opts.home);

    // The run state right after the start tells a KVM that cannot run this guest.
    const status = await settleRunStatus(qmpSocket, pid, rec.disk);
    if (status === 'internal-error' && choice.accel === 'kvm') {
      kvmProbe = { ok: false, detail: 'the guest stopped with a KVM internal error' };
      await killInstanceProcess(pid, qmpSocket, rec.disk);
      choice = await chooseAccel(qemu);
      emit(opts.onProgress, 'accel', choice.note);
      rec = next;
      continue;
    }
    if (status === null) {
      const tail = await consoleTail(paths);
      throw new HardenLabError('DRIVER_FAILED', `QEMU for lab VM "${rec.name}" exited right after starting.`, { detail: tail || undefined, hint: `See ${paths.consoleLog}.` });
    }
    if (loadvm !== undefined && meta.pendingLoad === loadvm) {
      await writeSnapshotMeta(paths.snapshots, { ...meta, pendingLoad: null });
    }
    next = await updateInstance(rec.name, {}, opts.home);
    return next;
  }
}

/** Polls the run state for a moment after launch; null when QEMU died. */
async function settleRunStatus(socket: string, pid: number, disk: string): Promise<string | null> {
  let last: string | null = null;
  for (let i = 0; i < 10; i++) {
    if (!(await vmProcessAlive(pid, disk))) return null;
    last = await queryRunStatus(socket);
    if (last === 'running' || last === 'internal-error' || last === 'guest-panicked') return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  return last ?? ((await vmProcessAlive(pid, disk)) ? 'unknown' : null);
}

async function killInstanceProcess(pid: number, socket: string | undefined, disk: string): Promise<void> {
  if (socket) {
    try {
      await withQmp(socket, (q) => q.execute('quit', undefined, { timeoutMs: 5000 }), { timeoutMs: 5000 });
    } catch {
      /* falls through to signals */
    }
  }
  if (await waitForExit(pid, disk, 10_000)) return;
  signalPid(pid, 'SIGTERM');
  if (await waitForExit(pid, disk, 5000)) return;
  signalPid(pid, 'SIGKILL');
  await waitForExit(pid, disk, 5000);
}

export interface StopInstanceOptions {
  /** How long the guest gets to shut down after the ACPI power button (0 = no graceful shutdown). */
  gracefulTimeoutMs?: number;
  onProgress?: ProgressFn;
  home?: string;
}

export type StopOutcome = 'already-stopped' | 'shut-down' | 'powered-off';

/** ACPI power button, wait; then QEMU quit; then signals. */
export async function stopInstance(rec: InstanceRecord, opts: StopInstanceOptions = {}): Promise<StopOutcome> {
  const paths = instancePaths(rec.name, opts.home);
  const pid = (await readPidFile(paths.pidFile)) ?? rec.pid;
  if (!pid || !(await vmProcessAlive(pid, rec.disk))) {
    await clearRuntime(rec, paths, opts.home);
    emit(opts.onProgress, 'stopped', `Lab VM "${rec.name}" is not running.`);
    return 'already-stopped';
  }
  const graceful = opts.gracefulTimeoutMs ?? 90_000;
  let outcome: StopOutcome = 'powered-off';
  const status = await queryRunStatus(rec.qmpSocket);
  // A paused or broken guest cannot react to the power button.
  if (graceful > 0 && status === 'running' && rec.qmpSocket) {
    emit(opts.onProgress, 'shutdown', `Asking the guest in "${rec.name}" to shut down (ACPI power button).`);
    try {
      await withQmp(rec.qmpSocket, (q: QmpClient) => q.execute('system_powerdown'));
      if (await waitForExit(pid, rec.disk, graceful)) outcome = 'shut-down';
      else emit(opts.onProgress, 'power-off', `The guest did not shut down within ${Math.round(graceful / 1000)} s; powering it off.`);
    } catch (e) {
      if (isHardenLabError(e)) throw e;
    }
  }
  if (outcome !== 'shut-down') await killInstanceProcess(pid, rec.qmpSocket, rec.disk);
  if (await vmProcessAlive(pid, rec.disk)) {
    throw new HardenLabError('TIMEOUT', `QEMU (pid ${pid}) for lab VM "${rec.name}" did not exit.`, { hint: `Kill it by hand: kill -9 ${pid}` });
  }
  await clearRuntime(rec, paths, opts.home);
  emit(opts.onProgress, 'stopped', outcome === 'shut-down' ? `Lab VM "${rec.name}" shut down.` : `Lab VM "${rec.name}" is powered off.`);
  return outcome;
}

async function clearRuntime(rec: InstanceRecord, paths: InstancePaths, home: string | undefined): Promise<void> {
  await rm(paths.pidFile, { force: true });
  if (rec.qmpSocket) await rm(rec.qmpSocket, { force: true });
  if (rec.pid !== undefined || rec.qmpSocket !== undefined) await updateInstance(rec.name, { pid: undefined, qmpSocket: undefined }, home);
}
