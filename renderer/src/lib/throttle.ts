/**
 * Leading + trailing throttle: the first call runs at once, calls during the
 * wait collapse into one call with the latest arguments at its end. Clock and
 * timer are injectable so tests need no fake timers.
 */
export interface Throttled<A extends unknown[]> {
  (...args: A): void;
  cancel(): void;
  flush(): void;
}

export function throttle<A extends unknown[]>(
  fn: (...args: A) => void,
  waitMs: number,
  timers: { now: () => number; setTimeout: (cb: () => void, ms: number) => unknown; clearTimeout: (h: unknown) => void } = {
    now: () => Date.now(),
    setTimeout: (cb, ms) => setTimeout(cb, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  },
): Throttled<A> {
  let last = -Infinity;
  let pending: A | null = null;
  let handle: unknown = null;
  const fire = () => {
    handle = null;
    if (!pending) return;
    const args = pending;
    pending = null;
    last = timers.now();
    fn(...args);
  };
  const throttled = ((...args: A) => {
    const since = timers.now() - last;
    if (since >= waitMs && handle === null) {
      last = timers.now();
      fn(...args);
      return;
    }
    pending = args;
    if (handle === null) handle = timers.setTimeout(fire, Math.max(0, waitMs - since));
  }) as Throttled<A>;
  throttled.cancel = () => {
    if (handle !== null) timers.clearTimeout(handle);
    handle = null;
    pending = null;
  };
  throttled.flush = () => {
    if (handle !== null) timers.clearTimeout(handle);
    fire();
  };
  return throttled;
}
