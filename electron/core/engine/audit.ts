import type { AuditReportShape } from '../../../shared/domain';
import { toErrorInfo, type ErrorCode } from '../errors';
import { reportCheck } from './audit-check';
import { cancelledError } from './cancel';
import type { AnyStep, StepContext } from './step';

/** Errors after which no later probe can succeed either: the audit fails as a whole. */
const AUDIT_FATAL: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['NOT_CONNECTED', 'CONNECT_FAILED', 'AUTH_FAILED', 'HOST_KEY_CHANGED', 'HOST_KEY_UNKNOWN', 'HOST_KEY_REJECTED', 'CANCELLED']);

/**
 * Every step's audit checks, in the guide's order. The facts of all steps
 * are gathered first, in one batch (two round trips for the whole audit);
 * each step then reads its own. A step that cannot read its facts is
 * skipped; a VM that stops answering makes the whole audit fail.
 */
export async function auditChecks(steps: readonly AnyStep[], ctx: StepContext, progress: (message: string) => void): Promise<AuditReportShape['checks']> {
  const ordered = [...steps].sort((a, b) => a.guideOrder - b.guideOrder);
  progress('Reading the facts of every step at once.');
  try {
    await ctx.facts.gather(ordered.flatMap((s) => s.facts ?? []));
  } catch (e) {
    if (ctx.signal.aborted) throw cancelledError('The audit');
    if (AUDIT_FATAL.has(toErrorInfo(e).code)) throw e;
    // Otherwise each step below reads its facts again, and one that fails is skipped alone.
  }
  const checks: AuditReportShape['checks'] = [];
  for (const step of ordered) {
    if (ctx.signal.aborted) throw cancelledError('The audit');
    progress(`Checking ${step.title}.`);
    try {
      const facts = await step.probe(ctx);
      for (const c of step.audit(facts)) checks.push(reportCheck(step.id, c));
    } catch (e) {
      // Cancelled (a Disconnect cancels read-only work first): whatever the cut-off probe said.
      if (ctx.signal.aborted) throw cancelledError('The audit');
      const info = toErrorInfo(e);
      // A revert or a reboot under way, a dropped link: say so, do not report every check as skipped.
      if (AUDIT_FATAL.has(info.code)) throw e;
      checks.push({ id: `${step.id}.probe`, title: `${step.title}: could not be checked`, status: 'skip', evidence: info.message, fixStep: step.id });
    }
  }
  return checks;
}

export function auditScore(checks: AuditReportShape['checks']): AuditReportShape['score'] {
  const counted = checks.filter((c) => c.status !== 'skip');
  const passed = counted.filter((c) => c.status === 'pass').length;
  return { passed, total: counted.length, percent: counted.length ? Math.round((passed / counted.length) * 100) : 0 };
}
