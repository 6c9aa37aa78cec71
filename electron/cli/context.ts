import type { ChannelName } from '../../shared/channels';
import { randomBytes } from 'node:crypto';
import { contract, type ParsedReq, type Req, type Res } from '../../shared/contract';
import { createCore, type Core } from '../core/api/core';
import { dispatch } from '../core/api/dispatch';
import { CoreCallError, type CliIO } from './io';
import { formatProgress, type ProgressLine } from './progress';
import { cliPrompter } from './prompter';
import { terminalSafe } from './terminal-text';

/** What every command receives: the parsed global flags, the IO, and a lazily created core. */
export interface CommandContext {
  io: CliIO;
  json: boolean;
  core(): Core;
  invoke<C extends ChannelName>(channel: C, req: Req<C>): Promise<Res<C>>;
  print(value: unknown, human: () => string): void;
}

/** Whether a channel's request takes an opId: the long operations, whose progress the CLI prints. */
function takesOpId(channel: ChannelName): boolean {
  const req = contract[channel].req as unknown as { shape?: Record<string, unknown> };
  return Boolean(req.shape && 'opId' in req.shape);
}

export function createContext(io: CliIO, json: boolean, version: string, trustHostKey?: string, quiet = false): CommandContext & { dispose(): Promise<void> } {
  let core: Core | null = null;
  let unsubscribe: (() => void) | null = null;
  const started = Date.now();
  const ours = new Set<string>();
  const getCore = () => {
    if (!core) {
      core = createCore({ door: 'cli', version, prompter: cliPrompter(io, trustHostKey, io.isTTY && Boolean(process.stdin.isTTY)) });
      // Progress goes to stderr, one line each, so stdout stays clean for --json consumers.
      unsubscribe = core.services.events.subscribe((name, payload) => {
        if (name !== 'progress' || quiet) return;
        const p = payload as ProgressLine & { opId: string };
        if (ours.has(p.opId)) io.err(formatProgress(p, Date.now() - started));
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
      let request: unknown = req;
      if (takesOpId(channel) && !(req as { opId?: string }).opId) {
        const opId = `cli-${randomBytes(6).toString('hex')}`;
        ours.add(opId);
        request = { ...(req as object), opId };
      }
      const env = await dispatch(c.handlers, channel, request, { door: 'cli', events: c.services.events });
      if (!env.ok) throw new CoreCallError(env.error as never);
      return env.value as Res<typeof channel>;
    },
    print(value, human) {
      if (json) io.out(JSON.stringify(value, null, 2) + '\n');
      // Human text quotes the VM (evidence, command output): no escape sequence reaches the terminal.
      else io.out(terminalSafe(human()).replace(/\n?$/, '\n'));
    },
    async dispose() {
      unsubscribe?.();
      if (core) await core.dispose();
    },
  };
}

export type { ParsedReq };
