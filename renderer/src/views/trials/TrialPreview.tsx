import type { TrialPlanShape } from '../../../../shared/policy';
import { PlanPreview } from '../../components/steps/PlanPreview';
import { WarningList } from '../../components/steps/WarningList';

/**
 * The whole trial before anything changes: every step's plan (each file's
 * diff and each command) in the order it will run, the steps left out and
 * why, the canaries, and the audit it starts from.
 */
export function TrialPreview({ plan }: { plan: TrialPlanShape }) {
  const active = plan.parts.filter((p) => !p.nothingToDo);
  const files = active.reduce((n, p) => n + p.files.length, 0);
  const commands = active.reduce((n, p) => n + p.commands.length, 0);
  return (
    <section className="trial-preview" aria-label="Trial preview">
      <h3>
        {plan.nothingToDo
          ? `Nothing to do: ${plan.profile} already has all of “${plan.policy.title}”.`
          : `“${plan.policy.title}” v${plan.policy.version}: ${active.length} ${active.length === 1 ? 'step' : 'steps'}, ${plan.units.length} settings, ${files} ${files === 1 ? 'file' : 'files'}, ${commands} ${commands === 1 ? 'command' : 'commands'}`}
      </h3>
      <p className="small muted">
        The audit now: {plan.auditBefore.passed}/{plan.auditBefore.total} ({plan.auditBefore.percent}%).{' '}
        {plan.without.length > 0 && <>Left out: <span className="mono">{plan.without.join(', ')}</span>. </>}
        {plan.canaries.length > 0 && <span aria-label="Canaries that will run">Canaries checked before and after: {plan.canaries.join(', ')}.</span>}
      </p>
      <WarningList warnings={plan.warnings} />
      {plan.skipped.length > 0 && (
        <ul className="small muted" aria-label="Steps not applied">
          {plan.skipped.map((s) => (
            <li key={s.step}>
              <span className="mono">{s.step}</span>: {s.reason}
            </li>
          ))}
        </ul>
      )}
      <ol className="trial-parts">
        {plan.parts.map((p) => (
          <li key={p.id}>
            <details open={!p.nothingToDo}>
              <summary>
                <span className="strong">{p.step}</span> <span className="muted small">{p.nothingToDo ? 'nothing to do' : p.summary}</span>
              </summary>
              <PlanPreview plan={p} />
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
