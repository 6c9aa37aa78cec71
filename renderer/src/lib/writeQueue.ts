/**
 * Keystrokes for one terminal, in order, without waiting a round trip per
 * key: while one write is in flight, everything typed meanwhile is joined and
 * sent as the next single write. Chunks stay under the contract's 64 KiB cap.
 */
export const MAX_WRITE_CHARS = 32_768;

export interface WriteQueue {
  push(data: string): void;
  /** Resolves when everything pushed so far has been sent (or failed). */
  idle(): Promise<void>;
  dispose(): void;
}

export function createWriteQueue(send: (data: string) => Promise<void>, onError: (e: unknown) => void = () => undefined): WriteQueue {
  let buffer = '';
  let inFlight: Promise<void> | null = null;
  let disposed = false;

  const pump = (): Promise<void> => {
    if (disposed || buffer === '') {
      inFlight = null;
      return Promise.resolve();
    }
    const chunk = buffer.slice(0, MAX_WRITE_CHARS);
    buffer = buffer.slice(chunk.length);
    inFlight = send(chunk)
      .catch((e: unknown) => {
        onError(e);
      })
      .then(pump);
    return inFlight;
  };

  return {
    push(data) {
      if (disposed || data === '') return;
      buffer += data;
      if (!inFlight) void pump();
    },
    async idle() {
      while (inFlight) await inFlight;
    },
    dispose() {
      disposed = true;
      buffer = '';
    },
  };
}
