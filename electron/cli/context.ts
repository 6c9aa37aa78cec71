import type { ChannelName } from '../../shared/channels';
import type { ParsedReq, Req, Res } from '../../shared/contract';
import { createCore, type Core } from '../core/api/core';
import { dispatch } from '../core/api/dispatch';
import { CoreCallError, type CliIO } from './io';
import { cliPrompter } from './prompter';

/** What every command receives: the parsed global flags, the IO, and a lazily created core. */
export interface CommandContext {
  io: CliIO;
  json: boolean;
  core(): Core;
  invoke<C extends ChannelName>(channel: C, req: Req<C>): Promise<Res<C>>;
  print(value: unknown, human: () => string): void;
}

export function createContext(io: CliIO, json: boolean, version: string, trustHostKey?: string): CommandContext & { dispose(): Promise<void> } {
  let core: Core | null = null;
  let unsubscribe: (() => void) | null = null;
  const getCore = () => {
    if (!core) {
      core = createCore({ door: 'cli', version, prompter: cliPrompter(io, trustHostKey, io.isTTY && Boolean(process.stdin.isTTY)) });
      // Progress goes to stderr so stdout stays clean for --json consumers.
      unsubscribe = core.services.events.subscribe((name, payload) => {
        if (name === 'progress') {
          const p = payload as { phase: string; message: string; percent?: number };
          io.err(`[${p.phase}] ${p.message}${p.percent !== undefined ? ` (${Math.round(p.percent)}%)` : ''}\n`);
        }
      });
    }
    return core;
  };
  return {
    io,
    json,
    core: getCore,
    async invoke(channel, req) {
      const c = getCore();
      const env = await dispatch(c.handlers, channel, req, { door: 'cli', events: c.services.events });
      if (!env.ok) throw new CoreCallError(env.error as never);
      return env.value as Res<typeof channel>;
    },
    print(value, human) {
      if (json) io.out(JSON.stringify(value, null, 2) + '\n');
      else io.out(human().replace(/\n?$/, '\n'));
    },
    async dispose() {
      unsubscribe?.();
      if (core) await core.dispose();
    },
  };
}

export type { ParsedReq };
