import { setTimeout as delay } from 'node:timers/promises';
import { HardenLabError } from '../../errors';

/** Time as the driver sees it; tests pass a clock whose sleep only moves `now`. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    try {
      await delay(ms, undefined, { signal });
    } catch {
      /* aborted: the caller checks the signal */
    }
  },
};

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

export interface PollOptions<T> {
  clock: Clock;
  timeoutMs: number;
  intervalMs: number;
  /** What we wait for, as it ends the sentence "Timed out after 60 s waiting for ...". */
  what: string;
  /** How the last value reads in the timeout message ("it is still \"stopping\""). */
  describe?: (last: T) => string;
  /** A value after which waiting is pointless: its error is thrown at once. */
  failWhen?: (value: T) => HardenLabError | null;
  signal?: AbortSignal;
}

/**
 * Reads until `done` holds, sleeping `intervalMs` between reads. The first
 * read happens at once. Throws TIMEOUT naming what was waited for.
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, opts: PollOptions<T>): Promise<T> {
  const deadline = opts.clock.now() + opts.timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) {
      throw new HardenLabError('CANCELLED', `Stopped waiting for ${opts.what}: cancelled.`);
    }
    const value = await read();
    if (done(value)) return value;
    const failure = opts.failWhen?.(value);
    if (failure) throw failure;
    if (opts.clock.now() >= deadline) {
      const last = opts.describe ? ` (${opts.describe(value)})` : '';
      throw new HardenLabError('TIMEOUT', `Timed out after ${formatDuration(opts.timeoutMs)} waiting for ${opts.what}${last}.`, {
        hint: 'Look at the VM in the VirtualBox window; it may need a hard power off or be waiting for input.',
      });
    }
    await opts.clock.sleep(Math.min(opts.intervalMs, Math.max(0, deadline - opts.clock.now())), opts.signal);
  }
}
