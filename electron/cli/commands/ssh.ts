import { parse, requireString } from '../args';
import { UsageError } from '../io';
import { arrivesWith } from './stubs';
import type { Command } from './types';

export const sshCheckCommand: Command = {
  name: 'ssh-check',
  summary: 'Connect to a profile and report its host key, the auth method and elevation',
  usage: 'hardenlab ssh-check --profile NAME [--json]',
  async run(args) {
    const { values } = parse(args, { profile: { type: 'string', short: 'p' } });
    requireString(values.profile, '--profile');
    return arrivesWith('the SSH layer (issue #4)');
  },
};

export const execCommand: Command = {
  name: 'exec',
  summary: 'Run one command on a profile\'s VM over the reused connection',
  usage: 'hardenlab exec --profile NAME [--sudo] -- CMD [ARGS...]',
  async run(args) {
    const dash = args.indexOf('--');
    if (dash < 0 || dash === args.length - 1) throw new UsageError('Put the command after --, e.g. hardenlab exec --profile lab -- uname -r');
    const { values } = parse(args.slice(0, dash), { profile: { type: 'string', short: 'p' }, sudo: { type: 'boolean' } }, false);
    requireString(values.profile, '--profile');
    return arrivesWith('the SSH layer (issue #4)');
  },
};
