import { useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { Icon } from '../../components/Icon';
import { OpProgress } from '../../components/OpProgress';
import { ApplyProgress } from '../../components/steps/ApplyProgress';
import { ResultCard } from '../../components/steps/ResultCard';
import { WarningList } from '../../components/steps/WarningList';
import { risksNeedingConfirm } from '../../lib/warnings';
import { emptyTrialRun, useApp } from '../../store';
import { BisectionPanel } from './BisectionPanel';
import { TrialPreview } from './TrialPreview';

/** Preview -> (confirm) -> run -> result -> (find the culprit), for the chosen policy on one VM. */
export function TrialRunner({ profile }: { profile: string }) {
  const run = useApp((s) => s.trials[profile] ?? emptyTrialRun);
  const connected = useApp((s) => s.connections[profile]?.state === 'connected');
  const snapshots = useApp((s) => s.snapshotLists[profile]?.data?.snapshots ?? []);
  const planTrial = useApp((s) => s.planTrial);
  const runTrial = useApp((s) => s.runTrial);
  const setFrom = useApp((s) => s.setTrialFrom);
  const setProveReboot = useApp((s) => s.setTrialProveReboot);
  const [confirming, setConfirming] = useState(false);
  const busy = run.planning || run.running || run.bisecting;
  const plan = run.plan;
  const risks = plan ? risksNeedingConfirm(plan.warnings) : [];
  const start = () => (risks.length > 0 ? setConfirming(true) : void runTrial(profile, false));
  const title = run.result?.trial?.policy.title ?? plan?.policy.title ?? run.policy ?? '';

  return (
    <section className="panel trial-runner" aria-label="Trial">
      <div className="runner-bar">
        <label className="field-inline">
          <span>Start from</span>
          <select value={run.from ?? ''} onChange={(e) => setFrom(profile, e.target.value || null)} disabled={busy}>
            <option value="">the VM as it is now</option>
            {snapshots.map((s) => (
              <option key={s.id} value={s.name}>
                the snapshot “{s.name}” (restored first)
              </option>
            ))}
            {run.from && !snapshots.some((s) => s.name === run.from) && <option value={run.from}>the snapshot “{run.from}” (restored first)</option>}
          </select>
        </label>
        <button type="button" className={plan ? '' : 'primary'} onClick={() => void planTrial(profile)} disabled={!connected || busy} aria-label={plan ? 'Preview the trial again' : 'Preview the trial'}>
          {plan ? 'Preview again' : 'Preview the trial'}
        </button>
        {!connected && <span className="muted small">Connect to the VM to preview a trial.</span>}
        {connected && !plan && !busy && <span className="muted small">The preview only reads the VM{run.from ? ' (after restoring the snapshot)' : ''}; nothing changes until you run it.</span>}
      </div>

      {run.planning && run.planOpId && <OpProgress opId={run.planOpId} title="Planning every step of the policy" logHeight="sm" />}
      {run.planError && !run.planning && (
        <ErrorBox error={run.planError} title="The trial could not be previewed">
          <button type="button" onClick={() => void planTrial(profile)} disabled={!connected}>
            Try again
          </button>
        </ErrorBox>
      )}

      {plan && !run.planning && !run.running && (
        <>
          <TrialPreview plan={plan} />
          {!plan.nothingToDo && (
            <div className="apply-bar">
              <label className="check reboot-toggle">
                <input type="checkbox" checked={run.proveReboot} onChange={(e) => setProveReboot(profile, e.target.checked)} disabled={busy} />
                <span>Prove it survives a reboot{plan.proveRebootByDefault ? ' (recommended: some of these settings live in files read at boot)' : ''}</span>
              </label>
              <div className="apply-bar-row">
                <button type="button" className="primary" onClick={start} disabled={!connected || busy}>
                  Run the trial
                </button>
                <span className="muted small">One snapshot first; if any check or canary fails, or the VM stops answering, it is restored.</span>
              </div>
            </div>
          )}
        </>
      )}

      {run.running && run.runOpId && <ApplyProgress opId={run.runOpId} rebootExpected={run.plan?.rebootRequired ?? false} proveReboot={run.proveReboot} result={null} />}
      {run.runError && !run.running && <ErrorBox error={run.runError} title="The trial did not run" compact />}
      {run.result && !run.running && (
        <>
          <ResultCard result={run.result} plan={null} title={title} />
          {run.result.trial?.resultSnapshot && (
            <p className="small muted" role="note">
              <Icon name="check" /> The result is kept as the snapshot “{run.result.trial.resultSnapshot.name}”: compare it below, or switch the VM to it any time.
            </p>
          )}
          {(run.result.outcome === 'reverted' || run.bisecting || run.bisection || run.bisectError) && <BisectionPanel profile={profile} />}
        </>
      )}

      {confirming && plan && (
        <ConfirmDialog
          title={`Run the trial of “${plan.policy.title}”?`}
          confirmLabel="Run anyway"
          cancelLabel="Not now"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void runTrial(profile, true);
          }}
        >
          <p>These changes carry risks you should know about:</p>
          <WarningList warnings={risks} />
          <p className="muted">Harden Lab takes a snapshot first and restores it if the checks fail or the VM stops answering.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
