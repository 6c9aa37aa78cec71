/** Waits, unless the signal aborts first: then rejects with the error `onAbort` makes (default: the signal's reason). */
export function sleep(ms: number, signal?: AbortSignal, onAbort: () => unknown = () => signal?.reason): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(onAbort());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(t);
      reject(onAbort());
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
