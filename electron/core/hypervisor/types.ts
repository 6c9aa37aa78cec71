/**
 * One interface for every hypervisor. Drivers parse the hypervisor's own text
 * or protocol with pure functions (tested on real output) and do I/O through
 * thin adapters. Names coming from a person are checked with the patterns in
 * shared/names.ts before they reach a driver.
 */
import type { HypervisorKind } from '../../../shared/hypervisor-kinds';

export type { HypervisorKind };

export type VmState =
  | 'running'
  | 'paused'
  | 'stopped'
  | 'saved'
  | 'aborted'
  | 'starting'
  | 'stopping'
  | 'saving'
  | 'restoring'
  | 'unknown';

export interface SshForward {
  host: string;
  port: number;
}

export interface VmInfo {
  hypervisor: HypervisorKind;
  /** Stable identifier: VirtualBox UUID, or the lab instance name for QEMU. */
  id: string;
  name: string;
  state: VmState;
  accessible: boolean;
  /** Where the guest's port 22 is reachable from this machine, when known. */
  sshForward?: SshForward;
}

export interface Snapshot {
  id: string;
  name: string;
  description: string;
  /** ISO 8601, when the hypervisor or our metadata knows it. */
  createdAt?: string;
  parentId: string | null;
  /** Whether this snapshot holds a running VM's memory (restores into a running VM). */
  live?: boolean;
}

export interface SnapshotList {
  snapshots: Snapshot[];
  /** The snapshot the VM currently descends from; null when there is none. */
  currentId: string | null;
}

export interface DriverProgress {
  phase: string;
  message: string;
  percent?: number;
}

export type ProgressFn = (p: DriverProgress) => void;

export interface TakeSnapshotOptions {
  description?: string;
  /** Keep the VM running while the snapshot is taken, where the hypervisor can. */
  live?: boolean;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

export interface RestoreOptions {
  onProgress?: ProgressFn;
  /** Start the VM again after the restore when it is not running (default true). */
  start?: boolean;
  signal?: AbortSignal;
}

export interface StopOptions {
  /** Ask the guest to shut down first (ACPI power button), then power off after this many ms. */
  gracefulTimeoutMs?: number;
  onProgress?: ProgressFn;
}

export interface DriverAvailability {
  available: boolean;
  version?: string;
  path?: string;
  detail?: string;
}

export interface HypervisorDriver {
  readonly kind: HypervisorKind;
  availability(): Promise<DriverAvailability>;
  listVms(): Promise<VmInfo[]>;
  /** Throws VM_NOT_FOUND when `vm` (name or id) is unknown. */
  vmInfo(vm: string): Promise<VmInfo>;
  start(vm: string, opts?: { onProgress?: ProgressFn }): Promise<void>;
  stop(vm: string, opts?: StopOptions): Promise<void>;
  listSnapshots(vm: string): Promise<SnapshotList>;
  takeSnapshot(vm: string, name: string, opts?: TakeSnapshotOptions): Promise<Snapshot>;
  /**
   * Brings the VM back to the snapshot and (unless opts.start === false)
   * leaves it running. Throws SNAPSHOT_NOT_FOUND before touching anything
   * when the snapshot does not exist. Waiting for SSH is the caller's job.
   */
  restoreSnapshot(vm: string, snapshot: string, opts?: RestoreOptions): Promise<void>;
  deleteSnapshot(vm: string, snapshot: string): Promise<void>;
}
