import { fleetSummary } from '../../../shared/fleet-text';
import { noExtraPositionals, parse, requireString } from '../args';
import { EXIT, UsageError } from '../io';
import type { Command } from './types';
import type { CommandContext } from '../context';

const options = {
  profile: { type: 'string' as const, short: 'p' },
  experiment: { type: 'string' as const },
  trial: { type: 'string' as const },
  inventory: { type: 'string' as const, short: 'i' },
  limit: { type: 'string' as const, short: 'l' },
  batches: { type: 'string' as const },
  deadline: { type: 'string' as const },
  yes: { type: 'boolean' as const },
};

function request(args: string[], usage: string) {
  const { values, positionals } = parse(args, options);
  noExtraPositionals(positionals, 0, usage);
  if (Boolean(values.experiment) === Boolean(values.trial)) throw new UsageError('Name the proven change: --experiment ID or --trial ID (see `hardenlab journal`).');
  const deadline = values.deadline === undefined ? undefined : Number(values.deadline);
  if (deadline !== undefined && (!Number.isInteger(deadline) || deadline < 30 || deadline > 3600)) throw new UsageError('--deadline is whole seconds from 30 to 3600.');
  return {
    yes: values.yes === true,
    req: {
      profile: requireString(values.profile, '--profile'),
      experimentId: (values.experiment ?? values.trial)!,
      trial: Boolean(values.trial),
      inventory: requireString(values.inventory, '--inventory'),
      ...(values.limit ? { limit: values.limit } : {}),
      ...(values.batches ? { batches: values.batches } : {}),
      ...(deadline !== undefined ? { deadlineS: deadline } : {}),
    },
  };
}

async function fleet(mode: 'plan' | 'rollout', args: string[], ctx: CommandContext, usage: string): Promise<number> {
  const { yes, req } = request(args, usage);
  if (mode === 'rollout' && !yes) throw new UsageError('A rollout changes real hosts: look at `hardenlab fleet plan` with the same options first, then pass --yes.');
  const { run } = await ctx.invoke(mode === 'plan' ? 'fleet.plan' : 'fleet.rollout', req);
  ctx.print(run, () => fleetSummary(run));
  return run.outcome === 'done' ? EXIT.OK : EXIT.FAILED;
}

const common = '--profile P (--experiment ID | --trial ID) --inventory FILE [--limit PATTERN]';

export const fleetCommand: Command = {
  name: 'fleet',
  summary: "Roll a change proven in the lab out to real hosts with Ansible: the diffs per host first, then batches that stop at the first failure, each host proving the change behind the dead-man's switch",
  usage: `hardenlab fleet plan ${common} [--json]\nhardenlab fleet rollout ${common} [--batches 1,50%,100%] [--deadline SECONDS] --yes [--json]`,
  subcommands: [
    {
      name: 'plan',
      summary: 'ansible-playbook --check --diff on every host of the inventory\'s [hardened] group: what would change, host by host',
      usage: `hardenlab fleet plan ${common} [--json]`,
      run(args, ctx) {
        return fleet('plan', args, ctx, this.usage);
      },
    },
    {
      name: 'rollout',
      summary: 'The rollout: one host first, then half, then the rest (or --batches); max_fail_percentage 0; a live row per host',
      usage: `hardenlab fleet rollout ${common} [--batches 1,50%,100%] [--deadline SECONDS] --yes [--json]`,
      run(args, ctx) {
        return fleet('rollout', args, ctx, this.usage);
      },
    },
  ],
};
