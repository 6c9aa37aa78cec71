import type { ApplyResultShape, PlanShape } from '../../../../shared/domain';
import { formatDuration } from '../../lib/format';
import { useApp } from '../../store';
import { Icon } from '../Icon';
import { DEMO_STEP } from '../../lib/walkthrough';
import { CanaryTable, RebootProof } from './CanaryTable';

const PHASE_WORD: Record<string, string> = { probe: 'the pre-flight check', canaries: 'the canaries before the change', snapshot: 'the snapshot', apply: 'the change', reboot: 'the reboot', verify: 'verification', 'reboot-proof': 'the reboot proof' };

function Checks({ checks, label }: { checks: ApplyResultShape['checks']; label: string }) {
  if (checks.length === 0) return null;
  return (
    <ul className="checks" aria-label={label}>
      {checks.map((c, i) => (
        <li key={i} className={c.ok ? 'check-ok' : 'check-bad'}>
          <Icon name={c.ok ? 'check' : 'x'} className="check-icon" label={c.ok ? 'passed' : 'failed'} />
          <div>
            <p className="check-name">{c.name}</p>
            {c.evidence && <pre className="evidence">{c.evidence}</pre>}
          </div>
        </li>
      ))}
    </ul>
  );
}

function Changed({ plan }: { plan: PlanShape | null }) {
  if (!plan) return null;
  const items = [
    ...plan.files.map((f) => `${f.after === null ? 'Removed' : f.before === null ? 'Created' : 'Changed'} ${f.path}`),
    ...(plan.packages.install.length ? [`Installed ${plan.packages.install.join(', ')}`] : []),
    ...(plan.packages.remove.length ? [`Removed packages ${plan.packages.remove.join(', ')}`] : []),
    ...(plan.commands.length ? [`Ran ${plan.commands.length} ${plan.commands.length === 1 ? 'command' : 'commands'}`] : []),
    ...(plan.rebootRequired ? ['Rebooted the VM'] : []),
  ];
  if (items.length === 0) return null;
  return (
    <ul className="changed-list">
      {items.map((t) => (
        <li key={t}>{t}</li>
      ))}
    </ul>
  );
}

/** How an apply ended, in terms a person acts on. */
export function ResultCard({ result, plan, title }: { result: ApplyResultShape; plan: PlanShape | null; title: string }) {
  const setView = useApp((s) => s.setView);
  const openRevert = useApp((s) => s.openRevertDialog);
  const failedPhase = result.phases.find((p) => !p.ok);

  if (result.outcome === 'nothing-to-do') {
    return (
      <section className="result-card neutral" aria-label="Result">
        <header>
          <Icon name="check" size={22} />
          <h3>Nothing to do</h3>
        </header>
        <p>The VM already had “{title}” in place; nothing was changed.</p>
      </section>
    );
  }

  if (result.outcome === 'verified') {
    return (
      <section className="result-card ok" aria-label="Result">
        <header>
          <Icon name="check" size={22} />
          <h3>Applied and verified</h3>
          <span className="muted small">{formatDuration(result.durationMs)}</span>
        </header>
        <h4>What changed</h4>
        <Changed plan={plan} />
        <h4>What was proved</h4>
        {result.checks.length > 0 ? <Checks checks={result.checks} label="Verification checks" /> : <p className="muted">The step reported no checks.</p>}
        <CanaryTable result={result} />
        <RebootProof result={result} />
        {result.snapshot && (
          <div className="result-foot">
            <p className="muted small">The snapshot “{result.snapshot.name}” from before the change is kept: you can go back to it any time.</p>
            <button type="button" className="small" onClick={() => openRevert(result.snapshot!.id)}>
              Revert to “{result.snapshot.name}”…
            </button>
          </div>
        )}
      </section>
    );
  }

  if (result.outcome === 'reverted') {
    const failedChecks = result.checks.filter((c) => !c.ok);
    const revert = result.phases.find((p) => p.phase === 'revert');
    const reconnect = result.phases.find((p) => p.phase === 'reconnect');
    // The checks carry the detail; the error message repeats them, so it is shown only when no check failed.
    const headline = failedChecks.length > 0 ? `The checks after the change failed during ${PHASE_WORD[failedPhase?.phase ?? 'verify'] ?? 'the change'}.` : null;
    return (
      <section className="result-card warn" aria-label="Result">
        <header>
          <Icon name="undo" size={22} />
          <h3>Reverted: the change did not hold</h3>
          <span className="muted small">{formatDuration(result.durationMs)}</span>
        </header>
        {result.step === DEMO_STEP && (
          <p className="result-note" role="note">
            This is what the safety net demo is for: the change really locked every user out, Harden Lab noticed, and put the VM back by itself.
          </p>
        )}
        {headline ? (
          <p className="strong">{headline}</p>
        ) : (
          result.error && (
            <div className="result-error">
              <p className="strong">{result.error.message}</p>
              {result.error.hint && <p>{result.error.hint}</p>}
            </div>
          )
        )}
        {failedChecks.length > 0 && (
          <>
            <h4>What failed</h4>
            <Checks checks={failedChecks} label="Failed checks" />
          </>
        )}
        <CanaryTable result={result} />
        <RebootProof result={result} />
        <h4>What was restored</h4>
        <p>
          {result.snapshot
            ? `The VM was restored to the snapshot “${result.snapshot.name}”, taken just before the change, and is as it was before.`
            : result.deadman?.outcome === 'restored'
              ? `There was no snapshot: the in-guest dead-man's switch put the files back and restarted the services (${result.deadman.firedBy === 'timer' ? `its own timer fired at its ${result.deadman.deadlineS} s deadline` : 'Harden Lab fired it as soon as the change failed'}), and a fresh login works again.`
              : 'The VM was restored to its state before the change.'}
          {revert ? ` Restoring took ${formatDuration(revert.durationMs)}` : ''}
          {revert && reconnect ? `; SSH answered again after ${formatDuration(reconnect.durationMs)}.` : revert ? '.' : ''}
        </p>
      </section>
    );
  }

  // revert-failed: loud, and says exactly what to do by hand.
  return (
    <section className="result-card bad" aria-label="Result" role="alert">
      <header>
        <Icon name="alert" size={24} />
        <h3>The change failed AND the automatic revert failed</h3>
      </header>
      {result.error && (
        <div className="result-error">
          <p className="strong">{result.error.message}</p>
          {result.error.hint && <p>{result.error.hint}</p>}
        </div>
      )}
      <p className="strong">
        {result.snapshot
          ? `Restore the snapshot “${result.snapshot.name}” by hand to get the VM back to how it was before.`
          : result.deadman
            ? `No snapshot was taken, and the in-guest dead-man's switch (${result.deadman.unit}) did not bring the VM back: check it from its console; the switch keeps the old files in /var/lib/hardenlab/deadman.`
            : 'No snapshot was taken; check the VM from its console.'}
      </p>
      <Checks checks={result.checks.filter((c) => !c.ok)} label="Failed checks" />
      <div className="result-actions">
        {result.snapshot && (
          <button type="button" className="danger" onClick={() => openRevert(result.snapshot!.id)}>
            Revert to “{result.snapshot.name}”…
          </button>
        )}
        <button type="button" onClick={() => setView('snapshots')}>
          Open Snapshots
        </button>
      </div>
    </section>
  );
}
