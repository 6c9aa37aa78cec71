import type { ApplyResultShape } from '../../../../shared/domain';
import { PHASE_LABEL, latestEvent, phaseStates, type PhaseStatus } from '../../lib/phases';
import { useApp } from '../../store';
import { Icon, Spinner } from '../Icon';
import { OpProgress, useOpEvents } from '../OpProgress';

const STATUS_WORD: Record<PhaseStatus, string> = { pending: 'not started', active: 'running', done: 'done', failed: 'failed', skipped: 'skipped' };

/** The apply transaction as a stepper over its phases, with the live log and elapsed time below. */
export function ApplyProgress({ opId, rebootExpected, proveReboot = false, result }: { opId: string; rebootExpected: boolean; proveReboot?: boolean; result: ApplyResultShape | null }) {
  const events = useOpEvents(opId);
  const op = useApp((s) => s.ops[opId]);
  const failed = op?.status === 'failed' && !result;
  const phases = phaseStates(events, result, { rebootExpected, proveReboot, failed });
  const last = latestEvent(events);
  // Cancelling is safe only before the VM is touched: once apply starts, the way out is the snapshot.
  const cancellable = !last || last.phase === 'probe' || last.phase === 'canaries' || last.phase === 'snapshot' || last.phase === 'plan';

  return (
    <section className="apply-progress" aria-label="Apply progress">
      <ol className="stepper" aria-label="Transaction phases">
        {phases.map((p) => (
          <li key={p.phase} className={`stepper-item st-${p.status}`} aria-current={p.status === 'active' ? 'step' : undefined}>
            <span className="stepper-mark" aria-hidden="true">
              {p.status === 'active' ? <Spinner /> : p.status === 'done' ? <Icon name="check" /> : p.status === 'failed' ? <Icon name="x" /> : <Icon name="dot" />}
            </span>
            <span className="stepper-label">{p.label}</span>
            <span className="sr-only">: {STATUS_WORD[p.status]}</span>
          </li>
        ))}
      </ol>
      <OpProgress opId={opId} phaseLabels={PHASE_LABEL} idleMessage="Preparing the transaction…" allowCancel={cancellable} />
    </section>
  );
}
