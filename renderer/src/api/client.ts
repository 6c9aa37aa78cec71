import type { BridgeApi } from '../../../shared/bridge';
import type { ChannelName, EventName } from '../../../shared/channels';
import type { EventPayload, Req, Res } from '../../../shared/contract';
import { createSocketBridge } from './socket';

/**
 * The renderer's only way to the core. It picks its transport once at start
 * (the preload's `window.api` in Electron, a WebSocket in browser mode) and
 * turns error envelopes into ApiError, so the rest of the UI never knows
 * which door it came through.
 */
export class ApiError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** Machine-readable detail some codes carry (SECRET_REQUIRED says 'password' or 'passphrase'). */
  readonly detail: string | undefined;
  constructor(code: string, message: string, hint?: string, detail?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.hint = hint;
    this.detail = detail;
  }
}

declare global {
  interface Window {
    api?: BridgeApi;
  }
}

let bridge: BridgeApi | null = null;

export function initBridge(): BridgeApi {
  if (bridge) return bridge;
  if (window.api) {
    bridge = window.api;
  } else {
    const token = new URLSearchParams(window.location.search).get('token');
    if (!token) throw new ApiError('NO_TOKEN', 'This page was opened without its access token.', 'Open the exact URL that `hardenlab serve` printed.');
    bridge = createSocketBridge(token);
  }
  return bridge;
}

export function setBridgeForTests(b: BridgeApi): void {
  bridge = b;
}

export async function call<C extends ChannelName>(channel: C, req: Req<C>): Promise<Res<C>> {
  const b = initBridge();
  const env = await b.invoke(channel, req);
  if (env.ok) return env.value as Res<C>;
  const err = env.error ?? { code: 'INTERNAL', message: 'Unknown error' };
  throw new ApiError(err.code, err.message, err.hint, 'detail' in err ? err.detail : undefined);
}

export function onEvent<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void {
  return initBridge().on(event, cb);
}

export function door(): 'electron' | 'browser' {
  return initBridge().door;
}

/** An error as the UI shows it: what happened, and what to do next. */
export interface ErrorView {
  message: string;
  hint?: string;
  code?: string;
  detail?: string;
}

export function errorText(e: unknown): ErrorView {
  if (e instanceof ApiError) return { message: e.message, code: e.code, ...(e.hint ? { hint: e.hint } : {}), ...(e.detail ? { detail: e.detail } : {}) };
  return { message: e instanceof Error ? e.message : String(e) };
}


let opCounter = 0;
export function newOpId(prefix = 'op'): string {
  opCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${opCounter}`;
}
