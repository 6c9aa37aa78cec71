import type { EventName } from '../../../shared/channels';
import { eventContract, type EventPayload } from '../../../shared/contract';

export type EventSink = (name: EventName, payload: unknown) => void;

/**
 * One bus for every event the core emits. Each door subscribes once and
 * forwards to its clients (IPC to the window, WebSocket to the page, stderr
 * for the CLI). Payloads are validated against the event contract, except
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
