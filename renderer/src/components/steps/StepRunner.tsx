import { useState } from 'react';
import type { PlanWarning } from '../../../../shared/domain';
import { risksNeedingConfirm, WARNING_INFO } from '../../lib/warnings';
import { emptyRun, runKey, useApp } from '../../store';
import { proveRebootOf } from '../../store/steps';
import { ConfirmDialog } from '../ConfirmDialog';
import { ErrorBox } from '../ErrorBox';
import { Icon } from '../Icon';
import { OpProgress } from '../OpProgress';
import { ApplyProgress } from './ApplyProgress';
import { PlanPreview, PlanReports } from './PlanPreview';
import { LoadedModules } from './LoadedModules';
import { ResultCard } from './ResultCard';
import { StepOptionsForm } from './StepOptionsForm';
import { WarningList } from './WarningList';

/**
 * Plan -> preview -> (confirm) -> apply -> progress -> result, for one step on
 * one VM. Used by the Steps view and inline on walkthrough pages; both read
 * the same run from the store, so a plan made in one shows in the other.
 */
export function StepRunner({ profile, stepId }: { profile: string; stepId: string }) {
  const step = useApp((s) => s.steps.find((x) => x.id === stepId));
  const stepsLoaded = useApp((s) => s.stepsLoaded);
  const stepsError = useApp((s) => s.stepsError);
  const run = useApp((s) => s.runs[runKey(profile, stepId)] ?? emptyRun);
  const connState = useApp((s) => s.connections[profile]?.state ?? 'disconnected');
  const hasHypervisor = useApp((s) => !!s.profiles.find((p) => p.name === profile)?.hypervisor);
  const planStep = useApp((s) => s.planStep);
  const applyPlan = useApp((s) => s.applyPlan);
  const setStepOptions = useApp((s) => s.setStepOptions);
  const dismissApplyError = useApp((s) => s.dismissApplyError);
  const setProveReboot = useApp((s) => s.setProveReboot);
  const connect = useApp((s) => s.connect);
  const [confirming, setConfirming] = useState(false);

  if (!step) {
    if (!stepsLoaded) return <div className="skeleton-block" aria-busy="true" aria-label="Loading steps" />;
    if (stepsError) return <ErrorBox error={stepsError} title="The list of steps could not be loaded" compact />;
    return (
      <p className="notice-inline">
        <Icon name="info" /> This build of Harden Lab has no “{stepId}” step yet.
      </p>
    );
  }

  const connected = connState === 'connected';
  const busy = run.planning || run.applying;
  const plan = run.plan;
  const risks = plan ? risksNeedingConfirm(plan.warnings) : [];
  const applyStage = run.applying || run.result !== null || (run.applyError !== null && run.planUsed);
  const verb = step.readOnly ? 'Run' : 'Apply';

  const doPlan = () => void planStep(profile, stepId);
  const doApply = () => {
    if (risks.length > 0) setConfirming(true);
    else void applyPlan(profile, stepId, false);
  };
  // The engine has the last word on risk: when it asks for a confirmation the plan's warnings did not
  // predict, the same dialog opens with its reason, and the same plan is applied again once confirmed.
  const engineAsks = run.applyError?.code === 'CONFIRMATION_REQUIRED' && !run.planUsed && !run.applying;
  const noWayBack = run.applyError?.code === 'NO_WAY_BACK' && !run.planUsed && !run.applying;
  const clearApplyError = () => dismissApplyError(profile, stepId);

  return (
    <div className="step-runner">
      {stepId === 'modules' && <LoadedModules profile={profile} />}
      {!applyStage && !run.planning && (
        <StepOptionsForm fields={step.options} run={run} onChange={(o) => setStepOptions(profile, stepId, o)} onReplan={doPlan} disabled={busy} />
      )}
      <div className="runner-bar">
        <button type="button" className={plan ? '' : 'primary'} onClick={doPlan} disabled={!connected || busy} aria-label={`${plan ? 'Plan again' : 'Plan'}: ${step.title}`}>
          {plan ? 'Plan again' : 'Plan'}
        </button>
        {!connected && (
          <span className="muted small">
            {connState === 'connecting' || connState === 'reconnecting' ? 'Waiting for the SSH connection…' : 'Connect to the VM to plan this step.'}{' '}
            {(connState === 'disconnected' || connState === 'failed') && (
              <button type="button" className="linkish" onClick={() => void connect(profile)}>
                Connect now
              </button>
            )}
          </span>
        )}
        {connected && !plan && !busy && <span className="muted small">Planning only reads the VM; nothing changes until you apply.</span>}
      </div>

      {run.planning && run.planOpId && <OpProgress opId={run.planOpId} title="Reading the VM and preparing the plan" logHeight="sm" />}

      {run.planError && !run.planning && (
        <ErrorBox error={run.planError} title="The plan could not be made">
          <button type="button" onClick={doPlan} disabled={!connected}>
            Try again
          </button>
        </ErrorBox>
      )}

      {plan && !run.planning && !applyStage && (
        <>
          <PlanPreview plan={plan} />
          {!plan.nothingToDo && (
            <div className="apply-bar">
              {plan.safetyNet && plan.safetyNet.kind !== 'snapshot' ? (
                <p className={`notice-inline${plan.safetyNet.kind === 'none' || plan.safetyNet.kind === 'switch' ? ' warn' : ''}`} aria-label="Safety net">
                  <Icon name={plan.safetyNet.kind === 'none' ? 'alert' : 'info'} /> {plan.safetyNet.message}
                  {plan.safetyNet.kind === 'none' && ' Harden Lab will refuse to apply: link the VM in Connections.'}
                </p>
              ) : (
                !hasHypervisor && (
                  <p className="notice-inline warn">
                    <Icon name="alert" /> This connection is not linked to a hypervisor VM, so there is no snapshot to return to: Harden Lab will refuse to apply. Link
                    the VM in Connections.
                  </p>
                )
              )}
              {run.applyError && !run.planUsed && !engineAsks && !noWayBack && <ErrorBox error={run.applyError} compact />}
              <label className="check reboot-toggle">
                <input type="checkbox" checked={proveRebootOf(run)} onChange={(e) => setProveReboot(profile, stepId, e.target.checked)} disabled={busy || run.planUsed} />
                <span>Prove it survives a reboot{plan.proveRebootByDefault ? ' (recommended: this step’s effect lives in files read at boot)' : ''}</span>
              </label>
              {plan.canaries && plan.canaries.length > 0 && (
                <p className="small muted" aria-label="Canaries that will run">
                  Canaries checked before and after: {plan.canaries.join(', ')}.
                </p>
              )}
              <div className="apply-bar-row">
                <button type="button" className="primary" onClick={doApply} disabled={!connected || run.planUsed || busy} aria-label={`${verb}: ${step.title}`}>
                  {verb}
                </button>
                <span className="muted small">
                  {risks.length > 0 ? `You will be asked to confirm: ${risks.map((r) => WARNING_INFO[r.kind].label.toLowerCase()).join(', ')}. ` : ''}A snapshot is taken first; if the
                  checks fail or the VM stops answering, it is restored.
                </span>
              </div>
            </div>
          )}
        </>
      )}

      {plan && applyStage && (
        <>
          {run.applyOpId && <ApplyProgress opId={run.applyOpId} rebootExpected={plan.rebootRequired} proveReboot={proveRebootOf(run)} result={run.result} />}
          {run.result && <ResultCard result={run.result} plan={plan} title={step.title} />}
          {run.result && <PlanReports plan={plan} />}
          {run.applyError && (
            <ErrorBox error={run.applyError} title={`“${step.title}” was not applied`}>
              <button type="button" onClick={doPlan} disabled={!connected}>
                Plan again
              </button>
            </ErrorBox>
          )}
          <details className="applied-plan">
            <summary>The plan that was applied</summary>
            <PlanPreview plan={plan} />
          </details>
        </>
      )}

      {(engineAsks || noWayBack) && plan && !confirming && (
        <EngineRefusal
          kind={engineAsks ? 'confirm' : 'no-way-back'}
          message={run.applyError!.message}
          hint={run.applyError!.hint}
          verb={verb}
          stepTitle={step.title}
          warnings={risks.length > 0 ? risks : plan.warnings}
          onCancel={clearApplyError}
          onConfirm={() => void applyPlan(profile, stepId, true)}
        />
      )}

      {confirming && plan && (
        <ConfirmDialog
          title={`${verb} “${step.title}”?`}
          confirmLabel={`${verb} anyway`}
          cancelLabel="Not now"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void applyPlan(profile, stepId, true);
          }}
        >
          <p>This change carries risks you should know about:</p>
          <WarningList warnings={risks} />
          <p className="muted">Harden Lab takes a snapshot first and restores it if the checks fail or the VM stops answering.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/**
 * The engine refused to apply: either it wants a confirmation of the risk it
 * names (then the same plan is applied again with the confirmation), or there
 * is no snapshot to go back to (no hypervisor VM linked), which no click can
 * make safe: the dialog says what to link instead.
 */
function EngineRefusal({
  kind,
  message,
  hint,
  verb,
  stepTitle,
  warnings,
  onCancel,
  onConfirm,
}: {
  kind: 'confirm' | 'no-way-back';
  message: string;
  hint: string | undefined;
  verb: string;
  stepTitle: string;
  warnings: PlanWarning[];
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const setView = useApp((s) => s.setView);
  if (kind === 'confirm') {
    return (
      <ConfirmDialog title={`Confirm the risk of “${stepTitle}”`} confirmLabel={`${verb} anyway`} cancelLabel="Not now" onCancel={onCancel} onConfirm={onConfirm}>
        <p>{message}</p>
        {warnings.length > 0 && <WarningList warnings={warnings} />}
        <p className="muted">Harden Lab takes a snapshot first and restores it if the checks fail or the VM stops answering.</p>
      </ConfirmDialog>
    );
  }
  return (
    <ConfirmDialog
      title="No way back: nothing was changed"
      confirmLabel="Open Connections"
      cancelLabel="Close"
      tone="warn"
      onCancel={onCancel}
      onConfirm={() => {
        onCancel();
        setView('connections');
      }}
    >
      <p>{message}</p>
      <p>
        Without a hypervisor snapshot, a change that locks you out or breaks the VM could not be undone, so Harden Lab does not apply “{stepTitle}” here.
      </p>
      {hint && <p className="muted">{hint}</p>}
    </ConfirmDialog>
  );
}
