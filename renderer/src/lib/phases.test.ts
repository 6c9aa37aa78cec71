import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../shared/contract';
import { currentPercent, phaseStates } from './phases';

const ev = (phase: string, message = phase, extra: Partial<ProgressEvent> = {}): ProgressEvent => ({ opId: 'op', phase, message, level: 'info', at: '2026-11-29T06:00:00Z', ...extra });
const statusOf = (views: ReturnType<typeof phaseStates>) => Object.fromEntries(views.map((v) => [v.phase, v.status]));

describe('phaseStates', () => {
  it('marks earlier phases done and the latest active while running', () => {
    const s = statusOf(phaseStates([ev('probe'), ev('snapshot'), ev('apply')], null));
    expect(s).toEqual({ probe: 'done', canaries: 'skipped', snapshot: 'done', apply: 'active', verify: 'pending', done: 'pending' });
  });

  it('shows reboot only when the plan reboots or it happens, and revert only when it happens', () => {
    expect(phaseStates([], null, { rebootExpected: true }).map((v) => v.phase)).toEqual(['probe', 'canaries', 'snapshot', 'apply', 'reboot', 'verify', 'done']);
    expect(phaseStates([], null, { proveReboot: true }).map((v) => v.phase)).toEqual(['probe', 'canaries', 'snapshot', 'apply', 'verify', 'reboot-proof', 'done']);
    const s = statusOf(phaseStates([ev('probe'), ev('snapshot'), ev('apply'), ev('verify'), ev('revert', 'restoring', { level: 'warn' }), ev('reconnect')], null));
    expect(s).toMatchObject({ verify: 'done', revert: 'done', reconnect: 'active' });
  });

  it('fails the running phase when the operation failed without a result', () => {
    expect(statusOf(phaseStates([ev('probe'), ev('snapshot')], null, { failed: true }))).toMatchObject({ probe: 'done', snapshot: 'failed' });
  });

  it('follows the recorded phases once the result is in', () => {
    const result = {
      experimentId: 'e',
      step: 'ssh',
      outcome: 'reverted' as const,
      snapshot: { id: 's', name: 'hl-before-ssh' },
      checks: [],
      phases: [
        { phase: 'probe' as const, ok: true, durationMs: 1 },
        { phase: 'snapshot' as const, ok: true, durationMs: 1 },
        { phase: 'apply' as const, ok: true, durationMs: 1 },
        { phase: 'verify' as const, ok: false, durationMs: 1 },
        { phase: 'revert' as const, ok: true, durationMs: 1 },
      ],
      durationMs: 5,
    };
    const s = statusOf(phaseStates([ev('probe'), ev('apply')], result));
    expect(s).toEqual({ probe: 'done', canaries: 'skipped', snapshot: 'done', apply: 'done', verify: 'failed', revert: 'done', done: 'done' });
    expect(statusOf(phaseStates([], { ...result, outcome: 'revert-failed' })).done).toBe('failed');
  });

  it('ignores phases it does not know', () => {
    expect(statusOf(phaseStates([ev('plan'), ev('weird')], null)).probe).toBe('pending');
  });
});

describe('currentPercent', () => {
  it('takes the last percent of the current phase only', () => {
    expect(currentPercent([ev('snapshot', 'a', { percent: 40 }), ev('snapshot', 'b', { percent: 70 })])).toBe(70);
    expect(currentPercent([ev('snapshot', 'a', { percent: 100 }), ev('apply')])).toBeNull();
    expect(currentPercent([])).toBeNull();
  });
});
