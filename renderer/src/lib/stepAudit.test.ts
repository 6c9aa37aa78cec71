import { describe, expect, it } from 'vitest';
import { audit, sshPlan } from '../testing/fixtures';
import { checksForStep, failingChecks, kernelUpdateStatus, stepAuditState, stepOfCheck } from './stepAudit';

describe('step audit state', () => {
  it('picks the checks whose fixStep is the step', () => {
    expect(checksForStep(audit, 'ssh').map((c) => c.id)).toEqual(['ssh-password']);
    expect(checksForStep(null, 'ssh')).toEqual([]);
  });
  it('files a check left to the operator (no Fix link) under the step its id names', () => {
    const byHand = { id: 'root-account.admin-user', title: 'A named admin', status: 'fail' as const, evidence: 'none. By hand: create one' };
    const r = { ...audit, checks: [...audit.checks, byHand] };
    expect(stepOfCheck(byHand)).toBe('root-account');
    expect(checksForStep(r, 'root-account').map((c) => c.id)).toEqual(['root-locked', 'root-account.admin-user']);
    expect(stepOfCheck({ id: 'x', title: 'x', status: 'fail', evidence: '' })).toBeUndefined();
    // Failing checks with a Fix link come first; this one has none.
    expect(failingChecks(r).at(-1)?.id).toBe('root-account.admin-user');
  });
  it('summarises pass, fail, partial, skip and unknown', () => {
    const c = (status: 'pass' | 'fail' | 'skip') => ({ id: status, title: status, status, evidence: '' });
    expect(stepAuditState([]).state).toBe('unknown');
    expect(stepAuditState([c('pass'), c('skip')]).state).toBe('pass');
    expect(stepAuditState([c('fail')]).state).toBe('fail');
    expect(stepAuditState([c('fail'), c('pass')])).toEqual({ state: 'partial', passed: 1, failed: 1, total: 2 });
    expect(stepAuditState([c('skip')]).state).toBe('skip');
  });
  it('tells whether a newer kernel is available, preferring the kernel plan', () => {
    expect(kernelUpdateStatus(audit, null)).toEqual({ known: true, available: true, evidence: 'running 6.1.0-50, available 6.1.0-56' });
    expect(kernelUpdateStatus(audit, { ...sshPlan, step: 'kernel', nothingToDo: true })).toMatchObject({ known: true, available: false });
    expect(kernelUpdateStatus(null, null).known).toBe(false);
    // A plan of another step says nothing about the kernel.
    expect(kernelUpdateStatus(null, sshPlan).known).toBe(false);
  });
  it('lists failing checks with a fix step first', () => {
    const r = { ...audit, checks: [{ id: 'x', title: 'x', status: 'fail' as const, evidence: '' }, ...audit.checks] };
    expect(failingChecks(r).map((c) => c.id)).toEqual(['ssh-password', 'kernel-latest', 'x']);
  });
});
