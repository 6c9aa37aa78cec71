export interface BackoffOptions {
  /** Delay after the first failed try. */
  initialMs?: number;
  factor?: number;
  /** No wait is ever longer than this, however many tries failed. */
  maxMs?: number;
}

/**
 * Wait before try number `attempt + 1` (attempt 0 = the first try failed).
 * The first try is immediate and early retries are quick, because a VM that
 * was just restored from a snapshot answers within a second or two; the cap
 * keeps a long boot (kernel upgrade under TCG: about 30 s) from being
 * noticed late.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const initial = opts.initialMs ?? 250;
  const factor = opts.factor ?? 2;
  const max = opts.maxMs ?? 5_000;
  const n = Math.max(0, Math.floor(attempt));
  return Math.min(max, Math.round(initial * Math.pow(factor, Math.min(n, 30))));
}
