import { useShallow } from 'zustand/react/shallow';
import type { StepInfo } from '../../../shared/domain';
import { AuditChecks, AuditStatePill } from '../components/AuditChecks';
import { ErrorBox } from '../components/ErrorBox';
import { NoVm } from '../components/NoVm';
import { StepRunner } from '../components/steps/StepRunner';
import { checksForStep, stepAuditState } from '../lib/stepAudit';
import { DEMO_STEP } from '../lib/walkthrough';
import { runKey, useApp } from '../store';

export function StepsView() {
  const profile = useApp((s) => s.activeProfile);
  const steps = useApp((s) => s.steps);
  const loaded = useApp((s) => s.stepsLoaded);
  const error = useApp((s) => s.stepsError);
  const loadSteps = useApp((s) => s.loadSteps);
  const selected = useApp((s) => s.selectedStep);
  const selectStep = useApp((s) => s.selectStep);
  if (!profile) return <NoVm title="Hardening steps" />;
  const current = steps.find((s) => s.id === selected) ?? steps[0] ?? null;

  return (
    <section className="view view-wide">
      <header className="view-header">
        <h1>Hardening steps</h1>
        <p className="lead">Each step is planned first (nothing changes), shown as a diff, then applied inside a snapshot and proved. Pick a step to see where {profile} stands.</p>
      </header>
      {error && (
        <ErrorBox error={error} title="The steps could not be loaded">
          <button type="button" onClick={() => void loadSteps()}>
            Try again
          </button>
        </ErrorBox>
      )}
      {!loaded && <div className="skeleton-block" aria-busy="true" aria-label="Loading steps" />}
      {loaded && !error && steps.length === 0 && (
        <div className="panel empty-state">
          <p>This build of Harden Lab has no hardening steps yet.</p>
        </div>
      )}
      {steps.length > 0 && current && (
        <div className="master-detail">
          <nav className="step-list" aria-label="Steps">
            <ul>
              {steps.map((s) => (
                <StepListItem key={s.id} profile={profile} step={s} active={s.id === current.id} onSelect={() => selectStep(s.id)} />
              ))}
            </ul>
          </nav>
          <StepDetail key={current.id} profile={profile} step={current} />
        </div>
      )}
    </section>
  );
}

function StepListItem({ profile, step, active, onSelect }: { profile: string; step: StepInfo; active: boolean; onSelect: () => void }) {
  const { state } = useApp(useShallow((s) => stepAuditState(checksForStep(s.audits[profile]?.report, step.id))));
  const busy = useApp((s) => {
    const r = s.runs[runKey(profile, step.id)];
    return !!r && (r.planning || r.applying);
  });
  return (
    <li>
      <button type="button" className={`step-list-item${active ? ' active' : ''}`} aria-current={active ? 'true' : undefined} onClick={onSelect}>
        <span className="step-list-title">{step.title}</span>
        <AuditStatePill state={state} busy={busy} {...(step.id === DEMO_STEP ? { label: 'Demo' } : {})} />
      </button>
    </li>
  );
}

function StepDetail({ profile, step }: { profile: string; step: StepInfo }) {
  const report = useApp((s) => s.audits[profile]?.report ?? null);
  const checks = checksForStep(report, step.id);
  const { state } = stepAuditState(checks);
  return (
    <article className="panel step-detail" aria-labelledby={`step-${step.id}`}>
      <header className="step-detail-head">
        <h2 id={`step-${step.id}`}>{step.title}</h2>
        <AuditStatePill state={state} {...(step.id === DEMO_STEP ? { label: 'Demo' } : {})} />
      </header>
      <p className="step-summary">{step.summary}</p>
      <div className="why">
        <h3>Why it matters for a container host</h3>
        <p>{step.why}</p>
      </div>
      <AuditChecks checks={checks} hasReport={report !== null} />
      <StepRunner profile={profile} stepId={step.id} />
    </article>
  );
}
