import type { AuditReportShape, PlanShape } from '../../../shared/domain';

/**
 * What the last audit says about one step: its checks are the audit checks
 * it fixes (fixStep) and the ones it leaves to the operator, which carry no
 * fixStep (no Fix link that leads nowhere) but the step's id as the prefix
 * of theirs ("root-account.admin-user").
 */
export type AuditCheck = AuditReportShape['checks'][number];
export type StepAuditState = 'pass' | 'fail' | 'partial' | 'skip' | 'unknown';

export function stepOfCheck(c: AuditCheck): string | undefined {
  if (c.fixStep) return c.fixStep;
  const dot = c.id.indexOf('.');
  return dot > 0 ? c.id.slice(0, dot) : undefined;
}

export function checksForStep(report: AuditReportShape | null | undefined, stepId: string): AuditCheck[] {
  if (!report) return [];
  return report.checks.filter((c) => stepOfCheck(c) === stepId);
}

export function stepAuditState(checks: readonly AuditCheck[]): { state: StepAuditState; passed: number; failed: number; total: number } {
  const passed = checks.filter((c) => c.status === 'pass').length;
  const failed = checks.filter((c) => c.status === 'fail').length;
  const total = checks.length;
  let state: StepAuditState = 'unknown';
  if (total > 0) {
    if (failed === 0 && passed === 0) state = 'skip';
    else if (failed === 0) state = 'pass';
    else if (passed === 0) state = 'fail';
    else state = 'partial';
  }
  return { state, passed, failed, total };
}

export const AUDIT_STATE_LABEL: Record<StepAuditState, string> = {
  pass: 'In place',
  fail: 'Not in place',
  partial: 'Partly in place',
  skip: 'Not applicable',
  unknown: 'Not audited yet',
};

/**
 * Whether a newer kernel is available, from the kernel step's plan when one
 * was made (it knows exactly), otherwise from the audit's kernel checks.
 */
export function kernelUpdateStatus(report: AuditReportShape | null | undefined, plan: PlanShape | null | undefined): { known: boolean; available: boolean; evidence: string } {
  if (plan && plan.step === 'kernel') {
    return { known: true, available: !plan.nothingToDo, evidence: plan.nothingToDo ? 'The kernel step has nothing to install.' : plan.summary };
  }
  const checks = checksForStep(report, 'kernel').filter((c) => c.status !== 'skip');
  if (checks.length === 0) return { known: false, available: false, evidence: '' };
  const failing = checks.find((c) => c.status === 'fail');
  if (failing) return { known: true, available: true, evidence: failing.evidence || failing.title };
  return { known: true, available: false, evidence: checks[0]!.evidence || checks[0]!.title };
}

/** Checks that fail, those with a step to fix them first. */
export function failingChecks(report: AuditReportShape | null | undefined): AuditCheck[] {
  if (!report) return [];
  return report.checks.filter((c) => c.status === 'fail').sort((a, b) => Number(!a.fixStep) - Number(!b.fixStep));
}
