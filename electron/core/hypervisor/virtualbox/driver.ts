import { explainInvalidName } from '../../../../shared/names';
import { HardenLabError, isHardenLabError } from '../../errors';
import { run as defaultRunner, type Runner, type RunResult } from '../../proc';
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
import { classifyVBoxFailure, type OperationLabels } from './errors';
import { locateVBoxManage, vboxManageInstallHint } from './locate';
import {
  canPowerOff,
  isNoSnapshotsOutput,
  isOfflineState,
  normalizeUuid,
  parseShowVmInfo,
  parseSnapshotList,
  parseSnapshotTaken,
  parseVBoxError,
  parseVersion,
  parseVmList,
  startvmReportedSuccess,
  type VBoxVmDetails,
} from './parse';
import { formatDuration, pollUntil, systemClock, type Clock } from './poll';
import { VBoxManage } from './vboxmanage';

export interface VirtualBoxDriverOptions {
  /** Runs VBoxManage; tests pass one that replays recorded output. */
  runner?: Runner;
  /** Skips the search for VBoxManage. */
  vboxManagePath?: string;
  locate?: () => string | null;
  platform?: NodeJS.Platform;
  clock?: Clock;
  /** Between two state reads while waiting (default 1 s). */
  pollIntervalMs?: number;
  /** How long a hard power off may take to reach an off state (default 60 s). */
  powerOffTimeoutMs?: number;
  /** How long after startvm the VM may take to report "running" (default 120 s). */
  startTimeoutMs?: number;
  /** How long to wait for a transient state (saving, stopping...) to settle (default 5 min). */
  settleTimeoutMs?: number;
  /** Default for stop(): how long the guest gets to shut down after the ACPI button (default 90 s). */
  gracefulTimeoutMs?: number;
}

/** Per-command limits: queries are quick; merging snapshot disks can take very long. */
const COMMAND_TIMEOUT = {
  query: 60_000,
  control: 120_000,
  start: 5 * 60_000,
  snapshot: 60 * 60_000,
} as const;

const MAX_DESCRIPTION = 4000;

/** A VM after lookup: from here on only its UUID goes into argv. */
interface VmRef {
  id: string;
  name: string;
  accessible: boolean;
}

function label(ref: VmRef): string {
  return ref.accessible ? ref.name : `{${ref.id}}`;
}

function emit(fn: ProgressFn | undefined, phase: string, message: string, percent?: number): void {
  if (!fn) return;
  fn(percent === undefined ? { phase, message } : { phase, message, percent });
}

function throwIfAborted(signal: AbortSignal | undefined, during: string): void {
  if (signal?.aborted) {
    throw new HardenLabError('CANCELLED', `Cancelled while ${during}.`, {
      hint: 'Check the VM state in VirtualBox before going on.',
    });
  }
}

/**
 * HypervisorDriver over VBoxManage. Every VirtualBox call is an argv array;
 * a VM is looked up once by name or UUID with `list vms`, and after that only
 * its UUID is passed, so names with spaces, quotes or a leading dash never
 * reach a command line. Snapshots are resolved against `snapshot list`
 * before anything changes, and passed by UUID too.
 */
export class VirtualBoxDriver implements HypervisorDriver {
  readonly kind = 'virtualbox' as const;
  private readonly vbox: VBoxManage;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly powerOffTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly settleTimeoutMs: number;
  private readonly gracefulTimeoutMs: number;

  constructor(opts: VirtualBoxDriverOptions = {}) {
    const platform = opts.platform ?? process.platform;
    const locate = opts.vboxManagePath !== undefined ? () => opts.vboxManagePath ?? null : (opts.locate ?? (() => locateVBoxManage({ platform })));
    this.vbox = new VBoxManage({ runner: opts.runner ?? defaultRunner, locate, installHint: vboxManageInstallHint(platform) });
    this.clock = opts.clock ?? systemClock;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.powerOffTimeoutMs = opts.powerOffTimeoutMs ?? 60_000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 120_000;
    this.settleTimeoutMs = opts.settleTimeoutMs ?? 5 * 60_000;
    this.gracefulTimeoutMs = opts.gracefulTimeoutMs ?? 90_000;
  }

  // -------------------------------------------------------------------------
  // HypervisorDriver

  async availability(): Promise<DriverAvailability> {
    let path: string;
    try {
      path = this.vbox.path();
    } catch (e) {
      if (isHardenLabError(e)) return { available: false, detail: `${e.message} ${e.hint ?? ''}`.trim() };
      throw e;
    }
    try {
      const r = await this.vbox.run({ args: ['--version'], timeoutMs: COMMAND_TIMEOUT.query });
      const version = parseVersion(r.stdout);
      if (r.code !== 0 || !version) {
        const why = parseVBoxError(r.stderr).messages[0] ?? (r.stderr.trim() || r.stdout.trim() || `exit status ${r.code}`);
        return { available: false, path, detail: `VBoxManage --version failed: ${why}` };
      }
      return { available: true, path, version };
    } catch (e) {
      if (isHardenLabError(e)) return { available: false, path, detail: e.message };
      throw e;
    }
  }

  async listVms(): Promise<VmInfo[]> {
    const entries = await this.listRegistered();
    const out: VmInfo[] = [];
    for (const entry of entries) {
      if (!entry.accessible) {
        out.push(inaccessibleInfo(entry));
        continue;
      }
      try {
        out.push(toVmInfo(await this.details(entry)));
      } catch (e) {
        // Unregistered between `list vms` and `showvminfo`: it is simply gone.
        if (isHardenLabError(e) && e.code === 'VM_NOT_FOUND') continue;
        throw e;
      }
    }
    return out;
  }

  async vmInfo(vm: string): Promise<VmInfo> {
    const ref = await this.resolve(vm);
    if (!ref.accessible) return inaccessibleInfo(ref);
    return toVmInfo(await this.details(ref));
  }

  async start(vm: string, opts: { onProgress?: ProgressFn } = {}): Promise<void> {
    const ref = await this.usable(vm);
    await this.bringUp(ref, opts.onProgress, undefined);
  }

  async stop(vm: string, opts: StopOptions = {}): Promise<void> {
    const ref = await this.usable(vm);
    const onProgress = opts.onProgress;
    let raw = await this.settle(ref, undefined);
    if (isOfflineState(raw)) {
      emit(onProgress, 'stopped', `VM "${label(ref)}" is already off (${raw}).`);
      return;
    }
    const graceful = opts.gracefulTimeoutMs ?? this.gracefulTimeoutMs;
    // A paused or frozen guest cannot react to the power button.
    if (raw === 'running' && graceful > 0) {
      emit(onProgress, 'shutdown', `Asking the guest in "${label(ref)}" to shut down (ACPI power button).`);
      const pressed = await this.vbox.run({ args: ['controlvm', ref.id, 'acpipowerbutton'], timeoutMs: COMMAND_TIMEOUT.control });
      if (pressed.code === 0) {
        try {
          raw = await this.waitOffline(ref, graceful, `the guest in VM "${label(ref)}" to shut down`, undefined);
          emit(onProgress, 'stopped', `VM "${label(ref)}" shut down.`);
          return;
        } catch (e) {
          if (!(isHardenLabError(e) && e.code === 'TIMEOUT')) throw e;
          emit(onProgress, 'power-off', `The guest did not shut down within ${formatDuration(graceful)}; powering it off.`);
        }
      }
    }
    await this.powerOff(ref, onProgress, undefined);
    emit(onProgress, 'stopped', `VM "${label(ref)}" is powered off.`);
  }

  async listSnapshots(vm: string): Promise<SnapshotList> {
    return this.snapshotsOf(await this.usable(vm));
  }

  async takeSnapshot(vm: string, name: string, opts: TakeSnapshotOptions = {}): Promise<Snapshot> {
    const invalid = explainInvalidName('snapshot', name);
    if (invalid) throw new HardenLabError('BAD_INPUT', invalid);
    const description = opts.description ?? '';
    if (description.includes('\0') || description.length > MAX_DESCRIPTION) {
      throw new HardenLabError('BAD_INPUT', `A snapshot description must be plain text of at most ${MAX_DESCRIPTION} characters.`);
    }
    const ref = await this.usable(vm);
    const before = await this.details(ref);
    const withMemory = before.rawState === 'running' || before.rawState === 'paused';
    const live = opts.live === true && before.rawState === 'running';
    const args = ['snapshot', ref.id, 'take', name];
    if (description !== '') args.push(`--description=${description}`);
    if (live) args.push('--live');
    const how = live ? ' while it keeps running' : withMemory ? ' (VirtualBox pauses it meanwhile)' : '';
    const message = `Taking snapshot "${name}" of VM "${label(ref)}"${how}.`;
    emit(opts.onProgress, 'snapshot', message);
    throwIfAborted(opts.signal, 'preparing the snapshot');
    const r = await this.call(args, { action: `take snapshot "${name}" of VM "${label(ref)}"`, vm: label(ref), snapshot: name }, {
      timeoutMs: COMMAND_TIMEOUT.snapshot,
      onPercent: (p) => emit(opts.onProgress, 'snapshot', message, p),
      signal: opts.signal,
    });
    const id = parseSnapshotTaken(r.stdout);
    const list = await this.snapshotsOf(ref);
    // Without a printed UUID (translated output), the new snapshot is the current one.
    const taken = list.snapshots.find((s) => s.id === (id ?? list.currentId));
    if (!taken) {
      throw new HardenLabError('DRIVER_FAILED', `VirtualBox said snapshot "${name}" was taken, but it is not in the snapshot list of VM "${label(ref)}".`, {
        hint: 'List the snapshots in VirtualBox to see what happened.',
        detail: r.stdout,
      });
    }
    emit(opts.onProgress, 'done', `Snapshot "${name}" taken.`);
    return { ...taken, live: withMemory };
  }

  async restoreSnapshot(vm: string, snapshot: string, opts: RestoreOptions = {}): Promise<void> {
    const { onProgress, signal } = opts;
    const ref = await this.usable(vm);
    emit(onProgress, 'resolve', `Looking up snapshot "${snapshot}" of VM "${label(ref)}".`);
    const target = findSnapshot(await this.snapshotsOf(ref), snapshot, label(ref));
    throwIfAborted(signal, 'looking up the snapshot');

    // VirtualBox refuses to restore while a VM process runs (VBOX_E_INVALID_VM_STATE).
    // Its current state is about to be thrown away, so a hard power off is right.
    const raw = await this.settle(ref, signal);
    if (!isOfflineState(raw)) await this.powerOff(ref, onProgress, signal);
    throwIfAborted(signal, 'powering the VM off');

    const message = `Restoring snapshot "${target.name}" of VM "${label(ref)}".`;
    emit(onProgress, 'restore', message, 0);
    await this.call(['snapshot', ref.id, 'restore', target.id], {
      action: `restore snapshot "${target.name}" of VM "${label(ref)}"`,
      vm: label(ref),
      snapshot: target.name,
    }, {
      timeoutMs: COMMAND_TIMEOUT.snapshot,
      onPercent: (p) => {
        if (p > 0) emit(onProgress, 'restore', message, p);
      },
      signal,
    });

    if (opts.start !== false) {
      throwIfAborted(signal, 'restoring the snapshot (the restore itself finished)');
      await this.bringUp(ref, onProgress, signal);
    }
    emit(onProgress, 'done', `VM "${label(ref)}" is back at snapshot "${target.name}".`);
  }

  async deleteSnapshot(vm: string, snapshot: string): Promise<void> {
    const ref = await this.usable(vm);
    const target = findSnapshot(await this.snapshotsOf(ref), snapshot, label(ref));
    await this.call(['snapshot', ref.id, 'delete', target.id], {
      action: `delete snapshot "${target.name}" of VM "${label(ref)}"`,
      vm: label(ref),
      snapshot: target.name,
    }, { timeoutMs: COMMAND_TIMEOUT.snapshot });
  }

  // -------------------------------------------------------------------------
  // internals

  /** Runs VBoxManage and turns a non-zero exit into a typed error, unless `okWhen` accepts it. */
  private async call(
    args: string[],
    labels: OperationLabels,
    opts: { timeoutMs: number; onPercent?: (p: number) => void; signal?: AbortSignal; okWhen?: (r: RunResult) => boolean },
  ): Promise<RunResult> {
    const r = await this.vbox.run({ args, timeoutMs: opts.timeoutMs, onPercent: opts.onPercent, signal: opts.signal });
    if (r.code !== 0 && !opts.okWhen?.(r)) throw classifyVBoxFailure(labels, r);
    return r;
  }

  private async listRegistered(): Promise<ReturnType<typeof parseVmList>> {
    const r = await this.call(['list', 'vms'], { action: 'list the VMs' }, { timeoutMs: COMMAND_TIMEOUT.query });
    return parseVmList(r.stdout);
  }

  /** Name or UUID -> the registered VM. Names are matched exactly (VirtualBox's own lookup is exact too). */
  private async resolve(vm: string): Promise<VmRef> {
    if (vm.trim() === '' || vm.includes('\0')) throw new HardenLabError('BAD_INPUT', 'Give the name or UUID of a VirtualBox VM.');
    const entries = await this.listRegistered();
    const uuid = normalizeUuid(vm);
    const matches = uuid ? entries.filter((e) => e.id === uuid) : entries.filter((e) => e.accessible && e.name === vm);
    const [only, second] = matches;
    if (!only) {
      const known = entries.filter((e) => e.accessible).map((e) => `"${e.name}"`);
      throw new HardenLabError('VM_NOT_FOUND', `VirtualBox has no VM "${vm}".`, {
        hint: known.length
          ? `Registered VMs: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}. Names are case-sensitive.`
          : 'VirtualBox lists no VM for the user Harden Lab runs as; VMs registered by another user are not visible.',
      });
    }
    if (second) {
      throw new HardenLabError('BAD_INPUT', `${matches.length} VirtualBox VMs are named "${vm}".`, {
        hint: `Use the UUID of the one you mean: ${matches.map((m) => m.id).join(', ')}.`,
      });
    }
    return only;
  }

  /** Like resolve, but refuses a VM whose settings VirtualBox cannot read. */
  private async usable(vm: string): Promise<VmRef> {
    const ref = await this.resolve(vm);
    if (!ref.accessible) {
      throw new HardenLabError('VM_WRONG_STATE', `VirtualBox cannot read the settings of VM {${ref.id}} (it is listed as inaccessible).`, {
        hint: 'Open VirtualBox to see why: its .vbox file or a disk was moved or deleted, or sits on a drive that is not mounted.',
      });
    }
    return ref;
  }

  private async details(ref: VmRef): Promise<VBoxVmDetails> {
    const r = await this.call(['showvminfo', ref.id, '--machinereadable'], { action: `read the settings of VM "${label(ref)}"`, vm: label(ref) }, {
      timeoutMs: COMMAND_TIMEOUT.query,
    });
    const parsed = parseShowVmInfo(r.stdout);
    if (!parsed) {
      throw new HardenLabError('DRIVER_FAILED', `Could not read VBoxManage showvminfo output for VM "${label(ref)}".`, {
        hint: 'This VirtualBox version may print something Harden Lab does not know; the detail shows what it printed.',
        detail: r.stdout.slice(0, 4000),
      });
    }
    return parsed;
  }

  private async rawState(ref: VmRef): Promise<string | null> {
    return (await this.details(ref)).rawState;
  }

  private async snapshotsOf(ref: VmRef): Promise<SnapshotList> {
    const r = await this.call(['snapshot', ref.id, 'list', '--machinereadable'], { action: `list the snapshots of VM "${label(ref)}"`, vm: label(ref) }, {
      timeoutMs: COMMAND_TIMEOUT.query,
      // "This machine does not have any snapshots", exit 1. When the text is
      // translated, an exit 1 with no error line and no entry means the same.
      okWhen: (res) =>
        res.code === 1 && (isNoSnapshotsOutput(res.stdout) || (parseVBoxError(res.stderr).messages.length === 0 && !res.stdout.includes('='))),
    });
    return r.code === 0 ? parseSnapshotList(r.stdout) : { snapshots: [], currentId: null };
  }

  /** Waits out transient states; returns a state that is either off or can be powered off now. */
  private async settle(ref: VmRef, signal: AbortSignal | undefined): Promise<string | null> {
    const raw = await this.rawState(ref);
    if (isOfflineState(raw) || canPowerOff(raw)) return raw;
    return pollUntil(() => this.rawState(ref), (s) => isOfflineState(s) || canPowerOff(s), {
      clock: this.clock,
      timeoutMs: this.settleTimeoutMs,
      intervalMs: this.pollIntervalMs,
      what: `VM "${label(ref)}" to finish what it is doing`,
      describe: (s) => `it is still "${s ?? 'unknown'}"`,
      signal,
    });
  }

  private async waitOffline(ref: VmRef, timeoutMs: number, what: string, signal: AbortSignal | undefined): Promise<string | null> {
    return pollUntil(() => this.rawState(ref), isOfflineState, {
      clock: this.clock,
      timeoutMs,
      intervalMs: this.pollIntervalMs,
      what,
      describe: (s) => `it is still "${s ?? 'unknown'}"`,
      signal,
    });
  }

  /** `controlvm poweroff`, then waits until VirtualBox reports the VM off. */
  private async powerOff(ref: VmRef, onProgress: ProgressFn | undefined, signal: AbortSignal | undefined): Promise<void> {
    emit(onProgress, 'power-off', `Powering off VM "${label(ref)}".`);
    const r = await this.vbox.run({ args: ['controlvm', ref.id, 'poweroff'], timeoutMs: COMMAND_TIMEOUT.control, signal });
    if (r.code !== 0) {
      // It may have stopped on its own in between ("is not currently running").
      if (isOfflineState(await this.rawState(ref))) return;
      throw classifyVBoxFailure({ action: `power off VM "${label(ref)}"`, vm: label(ref) }, r);
    }
    await this.waitOffline(ref, this.powerOffTimeoutMs, `VM "${label(ref)}" to power off`, signal);
  }

  /**
   * Brings a VM to "running": resumes a paused one, starts (headless) one that
   * is off or saved (a saved state, e.g. after restoring a live snapshot, is
   * resumed by startvm), waits out transient states.
   */
  private async bringUp(ref: VmRef, onProgress: ProgressFn | undefined, signal: AbortSignal | undefined): Promise<void> {
    let raw = await this.rawState(ref);
    if (raw === 'running') {
      emit(onProgress, 'start', `VM "${label(ref)}" is already running.`);
      return;
    }
    if (raw === 'gurumeditation') {
      throw new HardenLabError('VM_WRONG_STATE', `VM "${label(ref)}" is frozen in a guru meditation and cannot be started.`, {
        hint: 'Power it off first (hardenlab stop, or the VirtualBox window), then start it again.',
      });
    }
    if (raw === 'paused') {
      emit(onProgress, 'start', `Resuming paused VM "${label(ref)}".`);
      await this.call(['controlvm', ref.id, 'resume'], { action: `resume VM "${label(ref)}"`, vm: label(ref) }, { timeoutMs: COMMAND_TIMEOUT.control, signal });
    } else {
      if (!isOfflineState(raw)) {
        raw = await pollUntil(() => this.rawState(ref), (s) => s === 'running' || isOfflineState(s), {
          clock: this.clock,
          timeoutMs: this.settleTimeoutMs,
          intervalMs: this.pollIntervalMs,
          what: `VM "${label(ref)}" to finish what it is doing`,
          describe: (s) => `it is still "${s ?? 'unknown'}"`,
          signal,
        });
        if (raw === 'running') return;
      }
      emit(onProgress, 'start', `Starting VM "${label(ref)}" headless${raw === 'saved' ? ' (resuming its saved state)' : ''}.`);
      const r = await this.vbox.run({ args: ['startvm', ref.id, '--type', 'headless'], timeoutMs: COMMAND_TIMEOUT.start, signal });
      // startvm can exit 1 after printing that the VM started: believe the line,
      // and when it printed neither that nor an error, let the VM state decide.
      if (r.code !== 0 && !startvmReportedSuccess(r.stdout)) {
        const report = parseVBoxError(r.stderr);
        if (report.messages.length > 0 || report.code) throw classifyVBoxFailure({ action: `start VM "${label(ref)}"`, vm: label(ref) }, r);
      }
    }
    await pollUntil(() => this.rawState(ref), (s) => s === 'running', {
      clock: this.clock,
      timeoutMs: this.startTimeoutMs,
      intervalMs: this.pollIntervalMs,
      what: `VM "${label(ref)}" to be running`,
      describe: (s) => `it is "${s ?? 'unknown'}"`,
      failWhen: (s) =>
        isOfflineState(s) && s !== 'saved'
          ? new HardenLabError('DRIVER_FAILED', `VM "${label(ref)}" did not keep running after it was started (it is "${s}").`, {
              hint: "The VM's log (VirtualBox window, Show Log) says why it stopped.",
            })
          : null,
      signal,
    });
  }
}

function toVmInfo(d: VBoxVmDetails): VmInfo {
  const info: VmInfo = { hypervisor: 'virtualbox', id: d.id, name: d.name, state: d.state, accessible: d.accessible };
  if (d.sshForward) info.sshForward = d.sshForward;
  return info;
}

function inaccessibleInfo(entry: { id: string; name: string }): VmInfo {
  return { hypervisor: 'virtualbox', id: entry.id, name: entry.name, state: 'unknown', accessible: false };
}

/** A snapshot by UUID or exact name; SNAPSHOT_NOT_FOUND or an ambiguity error otherwise. */
export function findSnapshot(list: SnapshotList, query: string, vmLabel: string): Snapshot {
  const uuid = normalizeUuid(query);
  const matches = uuid ? list.snapshots.filter((s) => s.id === uuid) : list.snapshots.filter((s) => s.name === query);
  const [only, second] = matches;
  if (!only) {
    const names = list.snapshots.map((s) => `"${s.name}"`);
    throw new HardenLabError('SNAPSHOT_NOT_FOUND', `VM "${vmLabel}" has no snapshot "${query}". Nothing was changed.`, {
      hint: names.length
        ? `Its snapshots: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}. Names are case-sensitive.`
        : 'It has no snapshot at all yet.',
    });
  }
  if (second) {
    throw new HardenLabError('BAD_INPUT', `${matches.length} snapshots of VM "${vmLabel}" are named "${query}".`, {
      hint: `Use the id of the one you mean: ${matches.map((m) => m.id).join(', ')}.`,
    });
  }
  return only;
}
