import { allowListedInvoke, type BridgeApi } from '../../../shared/bridge';
import { EVENTS, type EventName } from '../../../shared/channels';
import type { Envelope } from '../../../shared/contract';

/**
 * Browser mode: the same `window.api` shape as the preload's, backed by the
 * page's WebSocket. Requests carry an id; replies and events come back on the
 * same socket. If the socket drops, pending calls fail with a clear error and
 * the next call reconnects.
 */
type Pending = { resolve: (e: Envelope<unknown>) => void };

export function createSocketBridge(token: string, location: Location = window.location): BridgeApi {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const known = new Set<string>(EVENTS);
  let nextId = 1;
  let socket: WebSocket | null = null;
  let opening: Promise<WebSocket> | null = null;

  const failAll = (message: string) => {
    for (const [, p] of pending) p.resolve({ ok: false, error: { code: 'DISCONNECTED', message, hint: 'Check that `hardenlab serve` is still running, then retry.' } });
    pending.clear();
  };

  const open = (): Promise<WebSocket> => {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    if (opening) return opening;
    opening = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(wsUrl);
      ws.onopen = () => {
        socket = ws;
        opening = null;
        resolve(ws);
      };
      ws.onerror = () => {
        opening = null;
        reject(new Error('Could not connect to the Harden Lab server.'));
      };
      ws.onclose = () => {
        if (socket === ws) socket = null;
        failAll('The connection to the Harden Lab server was lost.');
      };
      ws.onmessage = (ev: MessageEvent<string>) => {
        let msg: { id?: number | null; reply?: Envelope<unknown>; event?: EventName; payload?: unknown };
        try {
          msg = JSON.parse(ev.data) as typeof msg;
        } catch {
          return;
        }
        if (msg.event !== undefined) {
          for (const cb of listeners.get(msg.event) ?? []) cb(msg.payload);
          return;
        }
        if (typeof msg.id === 'number' && msg.reply) {
          const p = pending.get(msg.id);
          pending.delete(msg.id);
          p?.resolve(msg.reply);
        }
      };
    });
    return opening;
  };

  const invoke = allowListedInvoke(async (channel, req) => {
    let ws: WebSocket;
    try {
      ws = await open();
    } catch (e) {
      return { ok: false, error: { code: 'DISCONNECTED', message: (e as Error).message, hint: 'Check that `hardenlab serve` is still running.' } };
    }
    const id = nextId++;
    return new Promise<Envelope<unknown>>((resolve) => {
      pending.set(id, { resolve });
      ws.send(JSON.stringify({ id, channel, req }));
    });
  });

  void open().catch(() => undefined);

  return {
    invoke,
    door: 'browser',
    on(event: EventName, cb: (p: never) => void) {
      if (!known.has(event)) throw new Error(`Unknown event ${event}`);
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const wrapped = cb as (p: unknown) => void;
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
  } as BridgeApi;
}
