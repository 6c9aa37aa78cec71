import { AUDIT_STATE_LABEL, type AuditCheck, type StepAuditState } from '../lib/stepAudit';
import { Icon, Spinner } from './Icon';

const TONE: Record<StepAuditState, string> = { pass: 'ok', fail: 'bad', partial: 'warn', skip: 'neutral', unknown: 'neutral' };

/** The audit state of a step; `label` replaces it for steps the audit does not judge (the safety-net demo). */
export function AuditStatePill({ state, busy, label }: { state: StepAuditState; busy?: boolean; label?: string }) {
  return (
    <span className={`pill small-pill ${TONE[state]}`}>
      {busy && <Spinner />}
      {label ?? AUDIT_STATE_LABEL[state]}
    </span>
  );
}

/** The audit's evidence for one step (or one walkthrough page): each check, pass or fail, with what was seen. */
export function AuditChecks({ checks, hasReport, title = 'On this VM now' }: { checks: readonly AuditCheck[]; hasReport: boolean; title?: string }) {
  return (
    <section className="audit-checks" aria-label={title}>
      <h3>{title}</h3>
      {!hasReport ? (
        <p className="muted small">No audit yet. Run one from the dashboard to see where this VM stands.</p>
      ) : checks.length === 0 ? (
        <p className="muted small">The audit has no check for this.</p>
      ) : (
        <ul className="checks">
          {checks.map((c) => (
            <li key={c.id} className={c.status === 'pass' ? 'check-ok' : c.status === 'fail' ? 'check-bad' : 'check-skip'}>
              <Icon name={c.status === 'pass' ? 'check' : c.status === 'fail' ? 'x' : 'dot'} className="check-icon" label={c.status === 'pass' ? 'passes' : c.status === 'fail' ? 'fails' : 'skipped'} />
              <div>
                <p className="check-name">{c.title}</p>
                {c.evidence && <pre className="evidence">{c.evidence}</pre>}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
