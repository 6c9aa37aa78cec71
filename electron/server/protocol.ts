import { MAX_REQUEST_BYTES } from '../../shared/contract';

/**
 * Messages on the browser-mode socket. Client -> server: {id, channel, req}.
 * Server -> client: {id, reply} for each request, {event, payload} for events.
 * Parsing is pure so that every malformed shape is tested without a socket.
 */
export interface ClientRequest {
  id: number;
  channel: string;
  req: unknown;
}

export type ParseResult = { ok: true; msg: ClientRequest } | { ok: false; id: number | null; reason: string };

export function parseClientMessage(data: string | Buffer, isBinary: boolean): ParseResult {
  if (isBinary) return { ok: false, id: null, reason: 'Binary messages are not accepted.' };
  const text = typeof data === 'string' ? data : data.toString('utf8');
  if (Buffer.byteLength(text) > MAX_REQUEST_BYTES) return { ok: false, id: null, reason: 'The message is too large.' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, id: null, reason: 'The message is not valid JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, id: null, reason: 'The message must be a JSON object.' };
  const o = value as Record<string, unknown>;
  const id = typeof o.id === 'number' && Number.isSafeInteger(o.id) && o.id >= 0 ? o.id : null;
  if (id === null) return { ok: false, id: null, reason: 'The message needs a non-negative integer id.' };
  if (typeof o.channel !== 'string' || o.channel.length > 100) return { ok: false, id, reason: 'The message needs a channel name.' };
  const keys = Object.keys(o);
  if (keys.some((k) => k !== 'id' && k !== 'channel' && k !== 'req')) return { ok: false, id, reason: 'The message has unknown fields.' };
  return { ok: true, msg: { id, channel: o.channel, req: o.req ?? {} } };
}
