import { parse, noExtraPositionals, requireString } from '../args';
import { EXIT, UsageError } from '../io';
import type { Command } from './types';

export const profileCommand: Command = {
  name: 'profile',
  summary: 'Connection profiles',
  usage: 'hardenlab profile list|show|delete [...]',
  subcommands: [
    {
      name: 'list',
      summary: 'List connection profiles',
      usage: 'hardenlab profile list [--json]',
      async run(args, ctx) {
        const { positionals } = parse(args, {});
        noExtraPositionals(positionals, 0, this.usage);
        const r = await ctx.invoke('profiles.list', {});
        ctx.print(r, () =>
          r.profiles.length
            ? r.profiles.map((p) => `${p.name.padEnd(16)} ${p.user}@${p.host}:${p.port}  ${p.auth.kind}${p.hypervisor ? `  ${p.hypervisor.kind}:${p.hypervisor.vm}` : ''}`).join('\n')
            : 'No profiles yet: `hardenlab lab up` creates one for the lab VM.',
        );
        return EXIT.OK;
      },
    },
    {
      name: 'show',
      summary: 'Show one profile',
      usage: 'hardenlab profile show NAME [--json]',
      async run(args, ctx) {
        const { positionals } = parse(args, {});
        noExtraPositionals(positionals, 1, this.usage);
        const name = requireString(positionals[0], 'A profile NAME');
        const r = await ctx.invoke('profiles.list', {});
        const p = r.profiles.find((x) => x.name === name);
        if (!p) throw new UsageError(`There is no profile named "${name}".`);
        ctx.print(p, () => JSON.stringify(p, null, 2));
        return EXIT.OK;
      },
    },
    {
      name: 'delete',
      summary: 'Delete a profile (the VM and its snapshots are not touched)',
      usage: 'hardenlab profile delete NAME',
      async run(args, ctx) {
        const { positionals } = parse(args, {});
        noExtraPositionals(positionals, 1, this.usage);
        const name = requireString(positionals[0], 'A profile NAME');
        const r = await ctx.invoke('profiles.delete', { name });
        if (!r.deleted) throw new UsageError(`There is no profile named "${name}".`);
        ctx.print(r, () => `Deleted profile "${name}".`);
        return EXIT.OK;
      },
    },
  ],
};
