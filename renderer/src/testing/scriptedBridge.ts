import { allowListedInvoke, type BridgeApi } from '../../../shared/bridge';
import type { ChannelName, EventName } from '../../../shared/channels';
import { contract, eventContract, type EventPayload, type Res } from '../../../shared/contract';

/**
 * A bridge for store tests: each channel answers from a script (a function of
 * the request), replies are validated against the real contract (so a test
 * cannot feed the store a shape the core could never send), every call is
 * recorded, and events are emitted by the test.
 */
export class ScriptedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export type Script = { [C in ChannelName]?: (req: Record<string, unknown>) => Res<C> | Promise<Res<C>> };

export interface ScriptedBridge {
  api: BridgeApi;
  calls: Array<{ channel: ChannelName; req: Record<string, unknown> }>;
  script: Script;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  callsTo(channel: ChannelName): Array<Record<string, unknown>>;
}

export function scriptedBridge(script: Script = {}): ScriptedBridge {
  const calls: ScriptedBridge['calls'] = [];
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const invoke = allowListedInvoke(async (channel, req) => {
    const r = (req ?? {}) as Record<string, unknown>;
    // Requests must pass the contract too: a store that sends a bad request fails here.
    const parsedReq = contract[channel].req.safeParse(r);
    if (!parsedReq.success) return { ok: false, error: { code: 'BAD_INPUT', message: `Bad request for ${channel}: ${parsedReq.error.message}` } };
    calls.push({ channel, req: r });
    const handler = bridge.script[channel] as ((q: Record<string, unknown>) => unknown) | undefined;
    if (!handler) return { ok: false, error: { code: 'NOT_IMPLEMENTED', message: `No script for ${channel}` } };
    try {
      const value = await handler(r);
      const parsed = contract[channel].res.safeParse(value);
      if (!parsed.success) throw new Error(`Scripted reply for ${channel} breaks the contract: ${parsed.error.message}`);
      return { ok: true, value: parsed.data };
    } catch (e) {
      if (e instanceof ScriptedError) return { ok: false, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.detail ? { detail: e.detail } : {}) } };
      throw e;
    }
  });
  const bridge: ScriptedBridge = {
    api: {
      invoke,
      door: 'browser',
      on: ((event: EventName, cb: (p: unknown) => void) => {
        let set = listeners.get(event);
        if (!set) listeners.set(event, (set = new Set()));
        set.add(cb);
        return () => set.delete(cb);
      }) as BridgeApi['on'],
    },
    calls,
    script,
    emit(event, payload) {
      const parsed = eventContract[event].parse(payload);
      for (const cb of listeners.get(event) ?? []) cb(parsed);
    },
    callsTo(channel) {
      return calls.filter((c) => c.channel === channel).map((c) => c.req);
    },
  };
  return bridge;
}

/** Lets pending promise chains (store actions awaiting replies) run to completion. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}
