import type { IpcMainInvokeEvent } from 'electron';
import { CHANNELS, IPC_PREFIX } from '../../shared/channels';
import type { Envelope } from '../../shared/contract';
import { dispatch } from '../core/api/dispatch';
import type { Core } from '../core/api/core';
import { isTrustedSender, type SenderInfo } from './security';

export type TrustCheck = (sender: SenderInfo) => boolean;

export function senderInfo(event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>): SenderInfo {
  const frame = event.senderFrame;
  return {
    frameUrl: frame ? frame.url : null,
    isMainFrame: frame ? frame.parent === null : false,
    webContentsId: event.sender.id,
  };
}

/**
 * One handler per channel. The sender is checked first, then the payload is
 * parsed by dispatch() against the channel's schema.
 */
export function createIpcHandler(core: Core, channel: string, trusted: TrustCheck) {
  return async (event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>, raw: unknown): Promise<Envelope<unknown>> => {
    if (!trusted(senderInfo(event))) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'This request did not come from the Harden Lab window and was refused.' } };
    }
    return dispatch(core.handlers, channel, raw, { door: 'electron', events: core.services.events });
  };
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, raw: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export function registerIpc(ipcMain: IpcMainLike, core: Core, trustedWebContents: ReadonlySet<number>, origins: readonly string[]): () => void {
  const trusted: TrustCheck = (s) => isTrustedSender(s, trustedWebContents, origins);
  for (const channel of CHANNELS) ipcMain.handle(IPC_PREFIX + channel, createIpcHandler(core, channel, trusted));
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(IPC_PREFIX + channel);
  };
}
