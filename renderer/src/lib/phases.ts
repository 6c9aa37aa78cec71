import type { ProgressEvent } from '../../../shared/contract';
import type { ApplyResultShape } from '../../../shared/domain';

/**
 * The apply stepper: which transaction phases ran, which one is running, and
 * which failed. Driven by the `progress` events of the apply's opId while it
 * runs, and by the result's phase list once it is over (the result wins: it
 * is what the engine recorded).
 */
export const APPLY_PHASES = ['probe', 'canaries', 'snapshot', 'arm', 'apply', 'reboot', 'verify', 'reboot-proof', 'revert', 'reconnect', 'done'] as const;
export type ApplyPhase = (typeof APPLY_PHASES)[number];

export const PHASE_LABEL: Record<ApplyPhase, string> = {
  probe: 'Check the VM',
  canaries: 'Canaries before',
  snapshot: 'Snapshot',
  arm: 'Dead-man switch',
  apply: 'Apply',
  reboot: 'Reboot',
  verify: 'Verify',
  'reboot-proof': 'Reboot proof',
  revert: 'Revert',
  reconnect: 'Reconnect',
  done: 'Done',
};

export type PhaseStatus = 'pending' | 'active' | 'done' | 'failed' | 'skipped';

export interface PhaseView {
  phase: ApplyPhase;
  label: string;
  status: PhaseStatus;
}

const isPhase = (p: string): p is ApplyPhase => (APPLY_PHASES as readonly string[]).includes(p);
/** Phases shown only when they happen: a revert is not a step anyone plans for. */
const ONLY_IF_SEEN = new Set<ApplyPhase>(['arm', 'revert', 'reconnect']);

export function phaseStates(
  events: readonly ProgressEvent[],
  result: ApplyResultShape | null,
  opts: { rebootExpected?: boolean; proveReboot?: boolean; failed?: boolean } = {},
): PhaseView[] {
  const seen = new Set<ApplyPhase>();
  const errored = new Set<ApplyPhase>();
  let last: ApplyPhase | null = null;
  for (const e of events) {
    if (!isPhase(e.phase)) continue;
    seen.add(e.phase);
    if (e.level === 'error') errored.add(e.phase);
    last = e.phase;
  }
  const recorded = new Map((result?.phases ?? []).map((p) => [p.phase, p.ok] as const));
  const visible = APPLY_PHASES.filter((p) => {
    if (seen.has(p) || recorded.has(p as never)) return true;
    if (ONLY_IF_SEEN.has(p)) return false;
    if (p === 'reboot') return opts.rebootExpected === true;
    if (p === 'reboot-proof') return opts.proveReboot === true;
    return true;
  });

  return visible.map((phase) => {
    let status: PhaseStatus = 'pending';
    if (result) {
      if (phase === 'done') status = result.outcome === 'revert-failed' ? 'failed' : 'done';
      else if (recorded.has(phase as never)) status = recorded.get(phase as never) ? 'done' : 'failed';
      else status = seen.has(phase) ? 'done' : 'skipped';
    } else if (!seen.has(phase) && last !== null && APPLY_PHASES.indexOf(phase) < APPLY_PHASES.indexOf(last)) {
      // Passed over without an event (a step whose engine reports none for it): not waiting for it any more.
      status = 'skipped';
    } else if (seen.has(phase)) {
      // The engine reports its pre-flight checks (a fresh login, say) under "apply" before the snapshot:
      // a phase seen earlier but later in the order than the current one has not really run yet.
      if (last !== null && APPLY_PHASES.indexOf(phase) > APPLY_PHASES.indexOf(last)) status = 'pending';
      else if (phase === last) status = opts.failed ? 'failed' : phase === 'done' ? 'done' : 'active';
      else status = errored.has(phase) ? 'failed' : 'done';
    }
    return { phase, label: PHASE_LABEL[phase], status };
  });
}

/** The latest event: what the operation is doing right now. */
export function latestEvent(events: readonly ProgressEvent[]): ProgressEvent | null {
  return events.length > 0 ? events[events.length - 1]! : null;
}

/** The last percent reported in the current phase, if the driver gave one. */
export function currentPercent(events: readonly ProgressEvent[]): number | null {
  const last = latestEvent(events);
  if (!last) return null;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.phase !== last.phase) break;
    if (e.percent !== undefined) return e.percent;
  }
  return null;
}
