import { CHANNELS, type ChannelName, type EventName } from './channels';
import type { Envelope, EventPayload, Req, Res } from './contract';

/**
 * The shape of `window.api`: one verb per channel, grouped by the part before
 * the dot ('snapshots.take' -> api.snapshots.take). Preload builds it over
 * IPC; browser mode builds the same object over a WebSocket. Verbs resolve to
 * an Envelope and never reject for an application error.
 */
type Namespace<C extends string> = C extends `${infer NS}.${string}` ? NS : never;
type VerbOf<C extends string, NS extends string> = C extends `${NS}.${infer V}` ? V : never;

export type BridgeVerbs = {
  [NS in Namespace<ChannelName>]: {
    [C in ChannelName as VerbOf<C, NS>]: (req: Req<C>) => Promise<Envelope<Res<C>>>;
  };
};

export type EventListener = <E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void) => () => void;

export type BridgeApi = BridgeVerbs & { on: EventListener; door: 'electron' | 'browser' };

export type RawCall = (channel: ChannelName, req: unknown) => Promise<Envelope<unknown>>;

/** Generates the verb tree from the channel list; pure, so the preload can use it. */
export function buildVerbs(call: RawCall): BridgeVerbs {
  const api: Record<string, Record<string, (req: unknown) => Promise<Envelope<unknown>>>> = {};
  for (const channel of CHANNELS) {
    const dot = channel.indexOf('.');
    const ns = channel.slice(0, dot);
    const verb = channel.slice(dot + 1);
    api[ns] ??= {};
    api[ns][verb] = (req: unknown) => call(channel, req ?? {});
  }
  return api as unknown as BridgeVerbs;
}
