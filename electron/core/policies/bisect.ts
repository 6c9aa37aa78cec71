import type { BisectionRound } from '../../../shared/policy';

/**
 * Finding the culprit of a failed trial: the units (settings, or whole steps
 * without settings) are halved until one is left, each round applying one
 * half to the VM as it was before the trial. The decision of what to try
 * next is here, pure; trying is the caller's (a restore, an apply, a verify).
 *
 * When the first half holds, the culprit is taken to be in the second
 * without trying it (the whole set broke), so a single culprit among N
 * takes ceil(log2 N) rounds, plus one to confirm it alone when its last
 * half was inferred. When the confirmation holds, no single unit breaks it
 * alone: the smallest set seen to break is reported as a combination.
 */
export interface TryResult {
  broke: boolean;
  /** What failed, when it broke (check and canary names). */
  failed: string[];
}

export interface BisectOutcome {
  culprit: string[];
  combination: boolean;
  rounds: BisectionRound[];
}

export function roundBound(n: number): number {
  return n <= 1 ? 1 : Math.ceil(Math.log2(n)) + 1;
}

export function halves<T>(items: readonly T[]): [T[], T[]] {
  const mid = Math.ceil(items.length / 2);
  return [items.slice(0, mid), items.slice(mid)];
}

export class BisectCancelled extends Error {
  constructor(readonly rounds: BisectionRound[]) {
    super('The bisection was cancelled.');
  }
}

export async function bisect(
  units: readonly string[],
  tryUnits: (units: string[], round: number) => Promise<TryResult>,
  o: { signal?: AbortSignal; onRound?(r: BisectionRound): void; now?: () => number } = {},
): Promise<BisectOutcome> {
  const now = o.now ?? Date.now;
  const rounds: BisectionRound[] = [];
  const attempt = async (tried: string[]): Promise<TryResult> => {
    if (o.signal?.aborted) throw new BisectCancelled(rounds);
    const t0 = now();
    const r = await tryUnits(tried, rounds.length + 1);
    const round: BisectionRound = { round: rounds.length + 1, tried, outcome: r.broke ? 'broke' : 'held', failed: r.failed, durationMs: now() - t0 };
    rounds.push(round);
    o.onRound?.(round);
    return r;
  };
  // The smallest set seen to break: at first, the whole trial.
  let knownBroken = [...units];
  let candidates = [...units];
  let inferred = false;
  while (candidates.length > 1) {
    const [a, b] = halves(candidates);
    if ((await attempt(a)).broke) {
      candidates = a;
      knownBroken = a;
      inferred = false;
    } else {
      candidates = b;
      inferred = true;
    }
  }
  if (candidates.length === 1 && inferred) {
    if ((await attempt(candidates)).broke) knownBroken = candidates;
    else return { culprit: knownBroken, combination: true, rounds };
  }
  return { culprit: candidates.length === 1 ? candidates : knownBroken, combination: false, rounds };
}
