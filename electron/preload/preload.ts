import { contextBridge, ipcRenderer } from 'electron';
import { allowListedInvoke, type BridgeApi } from '../../shared/bridge';
import { EVENT_IPC_CHANNEL, EVENTS, IPC_PREFIX, type EventName } from '../../shared/channels';

/**
 * The renderer sees only `window.api`: one `invoke(channel, req)` allowed
 * only for the contract's channel names, and `on(event, cb)`. ipcRenderer itself never crosses the bridge, and the IPC
 * event object is stripped so the page cannot reach `event.sender`.
 */
type Listener = (payload: unknown) => void;
const listeners = new Map<EventName, Set<Listener>>();
const knownEvents = new Set<string>(EVENTS);

ipcRenderer.on(EVENT_IPC_CHANNEL, (_event, message: { name: EventName; payload: unknown }) => {
  const set = listeners.get(message.name);
  if (!set) return;
  for (const cb of set) {
    try {
      cb(message.payload);
    } catch {
      /* one listener's bug must not silence the others */
    }
  }
});

const invoke = allowListedInvoke((channel, req) => ipcRenderer.invoke(IPC_PREFIX + channel, req));

const api = {
  invoke,
  door: 'electron',
  on(event: EventName, cb: Listener): () => void {
    if (!knownEvents.has(event) || typeof cb !== 'function') throw new Error(`Unknown event ${String(event)}`);
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const wrapped: Listener = (p) => cb(p);
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  },
} as unknown as BridgeApi;

contextBridge.exposeInMainWorld('api', api);
