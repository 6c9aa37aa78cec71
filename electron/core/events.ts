import type { EventName } from '../../shared/channels';
import { eventContract, type EventPayload } from '../../shared/contract';

export type EventSink = (name: EventName, payload: unknown) => void;

/**
 * One bus for every event the core emits. Each door subscribes once and
 * forwards to its clients (IPC to the window, WebSocket to the page, stderr
 * for the CLI). It lives below the api and the engine, which both emit. Payloads are validated against the event contract, except
 * terminal output which is high volume and built only by the terminal code.
 */
export class EventBus {
  private sinks = new Set<EventSink>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    if (name !== 'terminal.data') {
      const parsed = eventContract[name].safeParse(payload);
      if (!parsed.success) throw new Error(`Event ${name} does not match the contract: ${parsed.error.message}`);
    }
    for (const sink of this.sinks) {
      try {
        sink(name, payload);
      } catch {
        /* a broken client must not break the others */
      }
    }
  }

  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }
}

export type ProgressLevel = 'info' | 'warn' | 'error';

/** The one way to report progress of an operation: nothing without an opId; a percent is clamped and rounded. */
export function emitProgress(events: EventBus, opId: string | undefined, phase: string, message: string, opts: { level?: ProgressLevel; percent?: number; at?: Date } = {}): void {
  if (!opId) return;
  const { level = 'info', percent, at = new Date() } = opts;
  events.emit('progress', { opId, phase, message, level, at: at.toISOString(), ...(percent !== undefined && Number.isFinite(percent) ? { percent: Math.max(0, Math.min(100, Math.round(percent))) } : {}) });
}
