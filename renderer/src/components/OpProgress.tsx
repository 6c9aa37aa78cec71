import type { ProgressEvent } from '../../../shared/contract';
import { useNow } from '../hooks/useNow';
import { formatElapsed } from '../lib/format';
import { currentPercent, latestEvent } from '../lib/phases';
import { useApp } from '../store';
import { Spinner } from './Icon';
import { LiveLog } from './LiveLog';

const NO_EVENTS: ProgressEvent[] = [];

export function useOpEvents(opId: string | null | undefined): ProgressEvent[] {
  return useApp((s) => (opId ? (s.progress[opId] ?? NO_EVENTS) : NO_EVENTS));
}

/** Elapsed time that ticks while running and freezes at the end. */
export function Elapsed({ startedAt, endedAt, label = 'Elapsed' }: { startedAt: number; endedAt?: number | null; label?: string }) {
  const now = useNow(!endedAt);
  const ms = (endedAt ?? now) - startedAt;
  return (
    <span className="elapsed" aria-label={`${label} ${formatElapsed(ms)}`}>
      <span aria-hidden="true">{formatElapsed(ms)}</span>
    </span>
  );
}

/**
 * A long operation as people should see it: what it is doing now (phase and
 * message), how long it has run, a bar when the core reports a percentage,
 * the live log, and Cancel where cancelling is safe.
 */
export function OpProgress({
  opId,
  title,
  idleMessage = 'Starting…',
  showLog = true,
  logHeight = 'md',
  phaseLabels,
  allowCancel = true,
}: {
  opId: string;
  /** Narrows the op's own flag, e.g. apply is cancellable only before the VM is touched. */
  allowCancel?: boolean;
  title?: string;
  idleMessage?: string;
  showLog?: boolean;
  logHeight?: 'sm' | 'md' | 'lg';
  phaseLabels?: Record<string, string>;
}) {
  const op = useApp((s) => s.ops[opId]);
  const cancelOp = useApp((s) => s.cancelOp);
  const events = useOpEvents(opId);
  const last = latestEvent(events);
  const percent = currentPercent(events);
  const running = op?.status === 'running';

  return (
    <section className="op-progress" aria-label={title ?? op?.label ?? 'Progress'} aria-busy={running}>
      <div className="op-progress-head">
        {running ? <Spinner /> : null}
        <div className="op-progress-now">
          {title && <p className="op-progress-title">{title}</p>}
          <p className="op-progress-message">
            {last && <span className="phase-tag">{phaseLabels?.[last.phase] ?? last.phase}</span>}
            <span>{last ? last.message : idleMessage}</span>
          </p>
        </div>
        {op && <Elapsed startedAt={op.startedAt} endedAt={op.endedAt} />}
        {op && running && op.cancellable && allowCancel && (
          <button type="button" onClick={() => void cancelOp(opId)} disabled={op.cancelRequested}>
            {op.cancelRequested ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      <div className="op-progress-bar-slot">
        {percent !== null && running && (
          <progress className="op-progress-bar" max={100} value={percent} aria-label="Percent done">
            {percent}%
          </progress>
        )}
      </div>
      {showLog && <LiveLog events={events} height={logHeight} />}
    </section>
  );
}
