import type { VmState } from '../types';

/**
 * QEMU's run state (query-status) in the driver's words. A VM whose QEMU
 * process is gone is "stopped", or "saved" when a live snapshot waits to be
 * resumed at the next start (the VirtualBox meaning of saved).
 */
export function vmStateFrom(o: { processAlive: boolean; qmpStatus?: string | null; pendingLoad?: boolean }): VmState {
  if (!o.processAlive) return o.pendingLoad ? 'saved' : 'stopped';
  switch (o.qmpStatus) {
    case 'running':
      return 'running';
    case 'paused':
    case 'suspended':
    case 'debug':
    case 'io-error':
    case 'watchdog':
      return 'paused';
    case 'save-vm':
    case 'finish-migrate':
    case 'postmigrate':
      return 'saving';
    case 'restore-vm':
    case 'inmigrate':
      return 'restoring';
    case 'prelaunch':
      return 'starting';
    // The guest powered off but QEMU (started with -no-shutdown) still runs.
    case 'shutdown':
      return 'stopping';
    case 'internal-error':
    case 'guest-panicked':
      return 'aborted';
    default:
      return 'unknown';
  }
}
