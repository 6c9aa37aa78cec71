import { parse, requireString } from '../args';
import { EXIT, UsageError } from '../io';
import type { Command } from './types';

export const sshCheckCommand: Command = {
  name: 'ssh-check',
  summary: 'Connect to a profile and report its host key, the auth method and elevation',
  usage: 'hardenlab ssh-check --profile NAME [--json]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { profile: { type: 'string', short: 'p' } });
    if (positionals.length) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}.`);
    const r = await ctx.invoke('ssh.connect', { profile: requireString(values.profile, '--profile') });
    ctx.print(r, () =>
      [
        `Connected to ${r.profile} in ${r.durationMs} ms`,
        `  host key   ${r.hostKey.keyType} ${r.hostKey.fingerprint} (${r.hostKey.status})`,
        `  auth       ${r.authMethod}`,
        `  elevation  ${r.elevation}`,
        ...(r.os ? [`  system     ${r.os}`] : []),
        ...(r.kernel ? [`  kernel     ${r.kernel}`] : []),
      ].join('\n'),
    );
    return r.elevation === 'none' ? EXIT.FAILED : EXIT.OK;
  },
};

export const execCommand: Command = {
  name: 'exec',
  summary: 'Run one command on a profile\'s VM over the reused connection (argv, never a shell string)',
  usage: 'hardenlab exec --profile NAME [--sudo] [--timeout SECONDS] -- CMD [ARGS...]',
  async run(args, ctx) {
    const dash = args.indexOf('--');
    if (dash < 0 || dash === args.length - 1) throw new UsageError('Put the command after --, e.g. hardenlab exec --profile lab -- uname -r');
    const { values } = parse(args.slice(0, dash), { profile: { type: 'string', short: 'p' }, sudo: { type: 'boolean' }, timeout: { type: 'string' } }, false);
    const argv = args.slice(dash + 1);
    const timeout = values.timeout === undefined ? 120 : Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError('--timeout must be a number of seconds.');
    const s = ctx.core().services;
    const profile = await s.profiles.get(requireString(values.profile, '--profile'));
    const conn = await s.connections.get(profile);
    const r = await conn.exec(argv, { elevate: values.sudo === true, timeoutMs: timeout * 1000 });
    if (ctx.json) ctx.print(r, () => '');
    else {
      ctx.io.out(r.stdout);
      ctx.io.err(r.stderr);
    }
    return r.code === 0 ? EXIT.OK : EXIT.FAILED;
  },
};
