import { describe, expect, it } from 'vitest';
import { vmStateFrom } from './state';

describe('vmStateFrom', () => {
  it('maps a dead process to stopped, or saved when a live snapshot waits to be resumed', () => {
    expect(vmStateFrom({ processAlive: false })).toBe('stopped');
    expect(vmStateFrom({ processAlive: false, pendingLoad: true })).toBe('saved');
  });

  it('maps QEMU run states', () => {
    const cases: [string | null, string][] = [
      ['running', 'running'],
      ['paused', 'paused'],
      ['suspended', 'paused'],
      ['save-vm', 'saving'],
      ['restore-vm', 'restoring'],
      ['inmigrate', 'restoring'],
      ['prelaunch', 'starting'],
      ['shutdown', 'stopping'],
      ['internal-error', 'aborted'],
      ['guest-panicked', 'aborted'],
      ['colo', 'unknown'],
      [null, 'unknown'],
    ];
    for (const [q, want] of cases) expect([q, vmStateFrom({ processAlive: true, qmpStatus: q })]).toEqual([q, want]);
  });
});
