import { CHANNELS, type ChannelName, type EventName } from './channels';
import type { Envelope, EventPayload, Req, Res } from './contract';

/**
 * The shape of `window.api`: ONE allow-listed `invoke(channel, req)`, where
 * the allow-list is the contract's channel names, plus `on(event, cb)`.
 * Preload builds it over IPC; browser mode builds the same object over a
 * WebSocket; the renderer's typed `call()` (renderer/src/api/client.ts) is the
 * only caller. It resolves to an Envelope and never rejects for an
 * application error; a channel outside the contract gets BAD_INPUT without
 * reaching the transport (main still checks the sender and parses each
 * request with its schema).
 */
export type BridgeInvoke = <C extends ChannelName>(channel: C, req: Req<C>) => Promise<Envelope<Res<C>>>;

export type EventListener = <E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void) => () => void;

export type BridgeApi = { invoke: BridgeInvoke; on: EventListener; door: 'electron' | 'browser' };

export type RawCall = (channel: ChannelName, req: unknown) => Promise<Envelope<unknown>>;

const ALLOWED = new Set<string>(CHANNELS);

/** The allow-listed invoke over a transport; pure, so the preload can use it. */
export function allowListedInvoke(call: RawCall): BridgeInvoke {
  return ((channel: string, req: unknown) => {
    if (typeof channel !== 'string' || !ALLOWED.has(channel)) return Promise.resolve({ ok: false, error: { code: 'BAD_INPUT', message: `Unknown API channel ${String(channel)}` } });
    return call(channel as ChannelName, req ?? {});
  }) as BridgeInvoke;
}
