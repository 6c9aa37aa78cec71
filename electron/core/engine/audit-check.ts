import type { AuditReportShape } from '../../../shared/domain';
import type { AuditCheckDraft } from './step';

export type AuditCheck = AuditReportShape['checks'][number];

/**
 * A step's check as the report carries it. The UI turns fixStep into a
 * "Fix: <step>" link that opens the step with its default options, so it is
 * set only on checks that plan closes; a check left to the operator carries
 * what to do in its evidence instead of a link that leads nowhere.
 */
export function reportCheck(stepId: string, draft: AuditCheckDraft): AuditCheck {
  const { byHand, ...check } = draft;
  if (byHand === undefined) return { ...check, fixStep: stepId };
  return check.status === 'fail' ? { ...check, evidence: `${check.evidence}. By hand: ${byHand}` } : check;
}
