import { HardenLabError } from '../../errors';
import { run } from '../../proc';
import { QmpCommandError, QmpConnectionError, type QmpClient } from './qmp-client';
import { parseQueryJobs, snapshotsFromImageInfo, snapshotsFromQueryBlock, type QemuSnapshotInfo } from './qmp-parse';
import { requireQemuImg } from './process';

/**
 * Internal qcow2 snapshots, two ways:
 *   running VM  -> QMP jobs snapshot-save / snapshot-load / snapshot-delete
 *                  (QEMU 6.0+), which take the VM's memory too ("live");
 *   stopped VM  -> qemu-img snapshot -c/-a/-d on the disk (disk only).
 * A job is followed to its end: QEMU answers the command at once with {},
 * reports JOB_STATUS_CHANGE events, keeps the outcome in query-jobs until the
 * job is dismissed. A failed job's error is only visible there.
 */

export function qmpFailure(action: string, e: unknown): HardenLabError {
  if (e instanceof HardenLabError) return e;
  if (e instanceof QmpCommandError) {
    return new HardenLabError('DRIVER_FAILED', `QEMU could not ${action}: ${e.message}`, { detail: `${e.command}: ${e.errorClass}`, cause: e });
  }
  if (e instanceof QmpConnectionError) {
    if (e.reason === 'timeout') return new HardenLabError('TIMEOUT', `QEMU did not finish "${action}" in time: ${e.message}`, { cause: e });
    return new HardenLabError('VM_WRONG_STATE', `Lost QEMU while trying to ${action}: ${e.message}`, {
      hint: 'The VM process may have exited; check `hardenlab lab status` and its console log.',
      cause: e,
    });
  }
  return new HardenLabError('DRIVER_FAILED', `QEMU could not ${action}: ${(e as Error).message ?? String(e)}`, { cause: e });
}

let jobCounter = 0;
function jobId(kind: string): string {
  jobCounter = (jobCounter + 1) % 1_000_000;
  return `hardenlab-${kind}-${process.pid}-${Date.now().toString(36)}-${jobCounter}`;
}

export interface JobOutcome {
  seconds: number;
}

/** Starts a job-based command, waits until it concludes, reads its error, dismisses it. */
export async function runJob(qmp: QmpClient, command: string, args: Record<string, unknown>, action: string, timeoutMs: number): Promise<JobOutcome> {
  const id = jobId(command);
  const started = Date.now();
  const ended = qmp.waitForEvent((e) => e.event === 'JOB_STATUS_CHANGE' && e.data.id === id && (e.data.status === 'concluded' || e.data.status === 'null'), timeoutMs, `the end of ${command}`);
  try {
    // The monitor can be slow to accept a job (right after a snapshot-load, under load): same budget as the job.
    await qmp.execute(command, { 'job-id': id, ...args }, { timeoutMs });
  } catch (e) {
    ended.cancel();
    throw qmpFailure(action, e);
  }
  try {
    await ended.promise;
  } catch (e) {
    throw qmpFailure(action, e);
  }
  let error: string | undefined;
  try {
    const jobs = parseQueryJobs(await qmp.execute('query-jobs'));
    error = jobs.find((j) => j.id === id)?.error;
    await qmp.execute('job-dismiss', { id });
  } catch (e) {
    throw qmpFailure(action, e);
  }
  if (error !== undefined) throw new HardenLabError('DRIVER_FAILED', `QEMU could not ${action}: ${error}`, { detail: `${command} job ${id}` });
  return { seconds: (Date.now() - started) / 1000 };
}

/** QEMU before 6.0 has no snapshot jobs; its human monitor still has savevm/loadvm/delvm. */
function jobsMissing(e: unknown): boolean {
  const cause = e instanceof HardenLabError ? e.cause : e;
  return cause instanceof QmpCommandError && cause.errorClass === 'CommandNotFound';
}

const HMP_SAFE_TAG = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The HMP way, through QMP's human-monitor-command. HMP answers with text:
 * empty on success, an error message otherwise. It acts on every writable
 * disk, which for a lab VM is the one disk.
 */
export async function hmpSnapshotCommand(qmp: QmpClient, verb: 'savevm' | 'loadvm' | 'delvm', tag: string, action: string, timeoutMs: number): Promise<JobOutcome> {
  if (!HMP_SAFE_TAG.test(tag)) throw new HardenLabError('DRIVER_FAILED', `QEMU here is too old for snapshot jobs, and its human monitor cannot take the tag "${tag}".`);
  const started = Date.now();
  let out: unknown;
  try {
    out = await qmp.execute('human-monitor-command', { 'command-line': `${verb} ${tag}` }, { timeoutMs });
  } catch (e) {
    throw qmpFailure(action, e);
  }
  const text = typeof out === 'string' ? out.trim() : '';
  if (text !== '') throw new HardenLabError('DRIVER_FAILED', `QEMU could not ${action}: ${text.split('\n')[0]}`, { detail: text });
  return { seconds: (Date.now() - started) / 1000 };
}

async function jobOrHmp(qmp: QmpClient, job: () => Promise<JobOutcome>, verb: 'savevm' | 'loadvm' | 'delvm', tag: string, action: string, timeoutMs: number): Promise<JobOutcome> {
  try {
    return await job();
  } catch (e) {
    if (!jobsMissing(e)) throw e;
    return hmpSnapshotCommand(qmp, verb, tag, action, timeoutMs);
  }
}

export function saveLive(qmp: QmpClient, tag: string, node: string, timeoutMs = 10 * 60_000): Promise<JobOutcome> {
  const action = `save snapshot ${tag}`;
  return jobOrHmp(qmp, () => runJob(qmp, 'snapshot-save', { tag, vmstate: node, devices: [node] }, action, timeoutMs), 'savevm', tag, action, timeoutMs);
}

export function loadLive(qmp: QmpClient, tag: string, node: string, timeoutMs = 10 * 60_000): Promise<JobOutcome> {
  const action = `load snapshot ${tag}`;
  return jobOrHmp(qmp, () => runJob(qmp, 'snapshot-load', { tag, vmstate: node, devices: [node] }, action, timeoutMs), 'loadvm', tag, action, timeoutMs);
}

export function deleteLive(qmp: QmpClient, tag: string, node: string, timeoutMs = 10 * 60_000): Promise<JobOutcome> {
  const action = `delete snapshot ${tag}`;
  return jobOrHmp(qmp, () => runJob(qmp, 'snapshot-delete', { tag, devices: [node] }, action, timeoutMs), 'delvm', tag, action, timeoutMs);
}

/** Disk-only snapshot of a running VM (crash-consistent: the guest's page cache is not in it). */
export async function diskSnapshotLive(qmp: QmpClient, tag: string, node: string): Promise<void> {
  try {
    await qmp.execute('blockdev-snapshot-internal-sync', { device: node, name: tag }, { timeoutMs: 10 * 60_000 });
  } catch (e) {
    throw qmpFailure(`take a disk snapshot ${tag}`, e);
  }
}

export async function listLive(qmp: QmpClient, node: string): Promise<QemuSnapshotInfo[]> {
  let value: unknown;
  try {
    value = await qmp.execute('query-block');
  } catch (e) {
    throw qmpFailure('list snapshots', e);
  }
  const found = snapshotsFromQueryBlock(value, node);
  if (found === null) throw new HardenLabError('DRIVER_FAILED', `QEMU has no disk node "${node}"; this VM was not started by Harden Lab.`);
  return found;
}

async function qemuImg(args: string[], action: string): Promise<string> {
  const r = await run(requireQemuImg(), args, { timeoutMs: 30 * 60_000 });
  if (r.code !== 0) {
    const msg = r.stderr.trim().split('\n')[0] ?? '';
    if (/Could not find snapshot|Can't find the snapshot/i.test(r.stderr)) throw new HardenLabError('SNAPSHOT_NOT_FOUND', `The disk has no snapshot for this: ${msg}`);
    if (/lock/i.test(r.stderr)) {
      throw new HardenLabError('VM_WRONG_STATE', `Cannot ${action}: the disk is in use by a running QEMU.`, { hint: 'Stop the VM first, or retry: it may be shutting down.', detail: msg });
    }
    throw new HardenLabError('DRIVER_FAILED', `qemu-img could not ${action}: ${msg}`, { detail: r.stderr.trim().slice(0, 4000) });
  }
  return r.stdout;
}

export async function listOffline(disk: string): Promise<QemuSnapshotInfo[]> {
  // -U: read even while a QEMU holds the image lock (a VM that is just stopping).
  const out = await qemuImg(['info', '-U', '--output=json', disk], 'read the disk');
  return snapshotsFromImageInfo(JSON.parse(out));
}

export async function createOffline(disk: string, tag: string): Promise<void> {
  await qemuImg(['snapshot', '-c', tag, disk], `take snapshot ${tag}`);
}

export async function applyOffline(disk: string, tag: string): Promise<void> {
  await qemuImg(['snapshot', '-a', tag, disk], `restore snapshot ${tag}`);
}

export async function deleteOffline(disk: string, tag: string): Promise<void> {
  await qemuImg(['snapshot', '-d', tag, disk], `delete snapshot ${tag}`);
}
