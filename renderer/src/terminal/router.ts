/**
 * Terminal output is high volume, so it never goes through the store: each
 * `terminal.data` event is handed straight to the xterm instance of its
 * terminalId. Output can arrive before the tab has registered its sink (the
 * shell prints its prompt while the terminal.open reply is still on its way),
 * so data for an id nobody listens to yet is held, up to a cap, for a while.
 */
export type TerminalSink = (data: string) => void;

export interface TerminalRouter {
  deliver(ev: { terminalId: string; data: string }): void;
  attach(terminalId: string, sink: TerminalSink): () => void;
  /** Forget held data for a terminal that will never be attached. */
  drop(terminalId: string): void;
}

export function createTerminalRouter(opts: { maxHeldChars?: number; holdMs?: number; now?: () => number } = {}): TerminalRouter {
  const maxHeld = opts.maxHeldChars ?? 256 * 1024;
  const holdMs = opts.holdMs ?? 30_000;
  const now = opts.now ?? (() => Date.now());
  const sinks = new Map<string, TerminalSink>();
  const held = new Map<string, { chunks: string[]; size: number; since: number }>();

  const sweep = () => {
    const t = now();
    for (const [id, h] of held) if (t - h.since > holdMs) held.delete(id);
  };

  return {
    deliver({ terminalId, data }) {
      const sink = sinks.get(terminalId);
      if (sink) {
        sink(data);
        return;
      }
      sweep();
      const h = held.get(terminalId) ?? { chunks: [], size: 0, since: now() };
      h.chunks.push(data);
      h.size += data.length;
      // Keep the newest output when over the cap: the prompt matters more than a banner.
      while (h.size > maxHeld && h.chunks.length > 1) h.size -= h.chunks.shift()!.length;
      held.set(terminalId, h);
    },
    attach(terminalId, sink) {
      sinks.set(terminalId, sink);
      const h = held.get(terminalId);
      if (h) {
        held.delete(terminalId);
        sink(h.chunks.join(''));
      }
      return () => {
        if (sinks.get(terminalId) === sink) sinks.delete(terminalId);
      };
    },
    drop(terminalId) {
      held.delete(terminalId);
      sinks.delete(terminalId);
    },
  };
}

/** The app's one router, fed by main.tsx's event subscription. */
export const terminalRouter = createTerminalRouter();
