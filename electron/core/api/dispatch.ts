import { CHANNELS, type ChannelName } from '../../../shared/channels';
import { contract, type Envelope, type ParsedReq, type Res } from '../../../shared/contract';
import { HardenLabError, toErrorInfo } from '../errors';
import type { EventBus } from '../events';

export type Door = 'electron' | 'browser' | 'cli';

export interface CallContext {
  door: Door;
  events: EventBus;
}

export type Handler<C extends ChannelName> = (req: ParsedReq<C>, ctx: CallContext) => Promise<Res<C>>;
export type Handlers = { [C in ChannelName]: Handler<C> };

const KNOWN = new Set<string>(CHANNELS);

export function isChannel(name: unknown): name is ChannelName {
  return typeof name === 'string' && KNOWN.has(name);
}

function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : 'request'}: ${i.message}`)
    .join('; ');
}

/**
 * The single entry point of every door: the channel must be one of ours, the
 * request must parse with its schema, and the reply must parse with its
 * schema too (a handler that drifts from the contract is a bug and is
 * reported, not passed on). Never throws: failures become an error envelope.
 */
export async function dispatch(handlers: Handlers, channel: unknown, raw: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
  try {
    if (!isChannel(channel)) {
      throw new HardenLabError('BAD_INPUT', `Unknown API channel ${JSON.stringify(String(channel)).slice(0, 80)}.`);
    }
    const spec = contract[channel];
    const parsed = spec.req.safeParse(raw);
    if (!parsed.success) {
      throw new HardenLabError('BAD_INPUT', `Invalid request for ${channel}: ${describeIssues(parsed.error.issues)}`);
    }
    const handler = handlers[channel] as Handler<typeof channel>;
    const value = await handler(parsed.data as never, ctx);
    const reply = spec.res.safeParse(value);
    if (!reply.success) {
      throw new Error(`The reply of ${channel} does not match the contract: ${describeIssues(reply.error.issues)}`);
    }
    return { ok: true, value: reply.data };
  } catch (e) {
    return { ok: false, error: toErrorInfo(e) };
  }
}
