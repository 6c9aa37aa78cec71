import { HardenLabError } from '../errors';

export function cancelledError(what: string): HardenLabError {
  return new HardenLabError('CANCELLED', `${what} was cancelled.`);
}

/**
 * Read-only work that the caller may cancel: once the signal fired, any
 * failure (a probe cut off by the closing connection) is reported as the
 * cancellation it is.
 */
export async function cancellable<T>(signal: AbortSignal | undefined, what: string, fn: () => Promise<T>): Promise<T> {
  if (signal?.aborted) throw cancelledError(what);
  try {
    return await fn();
  } catch (e) {
    if (signal?.aborted) throw cancelledError(what);
    throw e;
  }
}
