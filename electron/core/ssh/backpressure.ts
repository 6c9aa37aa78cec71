export type BackpressureAction = 'pause' | 'resume' | 'none';

/**
 * Terminal flow control, decided purely from numbers. `buffered` is what
 * the consumer (xterm.js, possibly across IPC) has received but not yet
 * processed. Reading from the SSH channel pauses at the high watermark and
 * resumes only under the low one: the gap keeps a fast producer (`cat` of a
 * big file, `yes`) from flapping between the two on every chunk, and a
 * paused channel stops the server through the SSH window instead of
 * filling our memory.
 */
export function computeBackpressureAction(buffered: number, highWatermark: number, lowWatermark: number, paused: boolean): BackpressureAction {
  if (!paused && buffered >= highWatermark) return 'pause';
  if (paused && buffered <= lowWatermark) return 'resume';
  return 'none';
}

/** Defaults sized like tabby's xterm frontend: enough for smooth scrolling, small enough for Ctrl-C to bite quickly. */
export const DEFAULT_HIGH_WATERMARK = 128 * 1024;
export const DEFAULT_LOW_WATERMARK = 16 * 1024;
