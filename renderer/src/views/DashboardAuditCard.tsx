import { useShallow } from 'zustand/react/shallow';
import { ErrorBox } from '../components/ErrorBox';
import { Icon } from '../components/Icon';
import { OpProgress } from '../components/OpProgress';
import { useNow } from '../hooks/useNow';
import { formatRelative } from '../lib/format';
import { failingChecks } from '../lib/stepAudit';
import { useApp } from '../store';

export function AuditCard({ profile }: { profile: string }) {
  const audit = useApp((s) => s.audits[profile]);
  const runAudit = useApp((s) => s.runAudit);
  const connected = useApp((s) => s.connections[profile]?.state === 'connected');
  const setView = useApp((s) => s.setView);
  const selectStep = useApp((s) => s.selectStep);
  const setStepOptions = useApp((s) => s.setStepOptions);
  const stepTitles = useApp(useShallow((s) => Object.fromEntries(s.steps.map((x) => [x.id, x.title]))));
  const now = useNow(true, 60_000);
  const report = audit?.report ?? null;
  const failing = failingChecks(report).slice(0, 5);

  return (
    <article className="card audit-card" aria-labelledby="card-audit">
      <div className="card-head">
        <h2 id="card-audit">Audit</h2>
        <button type="button" className="small" onClick={() => void runAudit(profile)} disabled={!connected || audit?.running}>
          {audit?.running ? 'Auditing…' : report ? 'Run again' : 'Run audit'}
        </button>
      </div>
      {audit?.running && audit.opId && <OpProgress opId={audit.opId} showLog={false} idleMessage="Reading the VM's configuration…" />}
      {audit?.error && <ErrorBox error={audit.error} compact />}
      {report ? (
        <>
          <div className="score">
            <meter min={0} max={100} low={50} high={80} optimum={100} value={report.score.percent} aria-label="Audit score">
              {report.score.percent}%
            </meter>
            <span className="score-number">{Math.round(report.score.percent)}%</span>
            <span className="muted small">
              {report.score.passed} of {report.score.total} checks pass · {formatRelative(report.at, now)}
            </span>
          </div>
          {failing.length > 0 && (
            <ul className="failing-checks" aria-label="Failing checks">
              {failing.map((c) => (
                <li key={c.id}>
                  <Icon name="x" className="bad-icon" />
                  <span>{c.title}</span>
                  {c.fixStep && (
                    <button
                      type="button"
                      className="linkish small"
                      onClick={() => {
                        // A check names a step when that step's plan with its default options closes it
                        // (steps/audit-fix.test.ts), so the link opens the step with those, not with options chosen earlier.
                        setStepOptions(profile, c.fixStep!, null);
                        selectStep(c.fixStep!);
                        setView('steps');
                      }}
                    >
                      Fix: {stepTitles[c.fixStep] ?? c.fixStep}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        !audit?.running && !audit?.error && <p className="muted">{connected ? 'No audit yet for this VM.' : 'Connect to audit this VM.'}</p>
      )}
    </article>
  );
}
