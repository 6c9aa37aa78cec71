import { describe, expect, it } from 'vitest';
import { planKeptAfter } from '../../../shared/plan-kept';
import { EventBus, emitProgress } from '../events';
import { VerifyFailedError } from './verify-failed';

describe('the plan-kept rule', () => {
  it('keeps a plan only after a refusal made before any change', () => {
    for (const code of ['VM_WRONG_STATE', 'CONFIRMATION_REQUIRED', 'NO_WAY_BACK']) expect(planKeptAfter(code), code).toBe(true);
    for (const code of ['PLAN_STALE', 'VERIFY_FAILED', 'TIMEOUT', 'NOT_FOUND', undefined]) expect(planKeptAfter(code), String(code)).toBe(false);
  });
});

describe('a failed verify', () => {
  it('carries every check and names the failed ones', () => {
    const checks = [
      { name: 'a', ok: true, evidence: 'fine' },
      { name: 'b', ok: false, evidence: 'exit 1' },
    ];
    const e = VerifyFailedError.from(checks)!;
    expect(e).toBeInstanceOf(VerifyFailedError);
    expect(e.code).toBe('VERIFY_FAILED');
    expect(e.message).toBe('Verification failed: b (exit 1)');
    expect(e.checks).toBe(checks);
    expect(VerifyFailedError.from([checks[0]!])).toBeNull();
  });
});

describe('progress', () => {
  it('is sent only for an operation, with its percent clamped and rounded', () => {
    const bus = new EventBus();
    const seen: unknown[] = [];
    bus.subscribe((_n, p) => seen.push(p));
    emitProgress(bus, undefined, 'apply', 'nobody listens');
    emitProgress(bus, 'op', 'snapshot', 'half', { percent: 49.6, at: new Date('2026-12-03T00:00:00Z') });
    emitProgress(bus, 'op', 'snapshot', 'over', { percent: 130 });
    emitProgress(bus, 'op', 'snapshot', 'under', { percent: -5, level: 'warn' });
    emitProgress(bus, 'op', 'snapshot', 'nan', { percent: Number.NaN });
    expect(seen).toMatchObject([
      { opId: 'op', phase: 'snapshot', message: 'half', level: 'info', percent: 50, at: '2026-12-03T00:00:00.000Z' },
      { percent: 100 },
      { percent: 0, level: 'warn' },
      { message: 'nan' },
    ]);
    expect(seen[3]).not.toHaveProperty('percent');
  });
});
