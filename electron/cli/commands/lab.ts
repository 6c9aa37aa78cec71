import { parse, noExtraPositionals } from '../args';
import { EXIT } from '../io';
import { arrivesWith } from './stubs';
import type { Command } from './types';

const nameOpt = { name: { type: 'string' as const, default: 'lab' } };

export const labCommand: Command = {
  name: 'lab',
  summary: 'Build, boot and stop the disposable QEMU lab VM',
  usage: 'hardenlab lab up|down|status|destroy|list [--name NAME] [--json]',
  subcommands: [
    {
      name: 'up',
      summary: 'Build the lab image if needed, boot the VM, wait for SSH, register its profile',
      usage: 'hardenlab lab up [--name NAME] [--json]',
      async run(args, ctx) {
        const { values, positionals } = parse(args, nameOpt);
        noExtraPositionals(positionals, 0, this.usage);
        const lab = await ctx.invoke('lab.up', { name: values.name });
        ctx.print(lab, () => `Lab VM "${lab.name}" is up: ssh -i ${lab.keyPath} -p ${lab.port} ${lab.user}@${lab.host}\nHost key ${lab.hostKeyFingerprint}`);
        return EXIT.OK;
      },
    },
    {
      name: 'down',
      summary: 'Shut the lab VM down (its disk and snapshots stay)',
      usage: 'hardenlab lab down [--name NAME]',
      async run(args, ctx) {
        const { values, positionals } = parse(args, nameOpt);
        noExtraPositionals(positionals, 0, this.usage);
        const r = await ctx.invoke('lab.down', { name: values.name });
        ctx.print(r, () => `Lab VM "${values.name}" is stopped.`);
        return EXIT.OK;
      },
    },
    {
      name: 'status',
      summary: 'Show whether the lab VM is built and running',
      usage: 'hardenlab lab status [--name NAME] [--json]',
      async run(args) {
        parse(args, nameOpt);
        return arrivesWith('the lab VM (issue #3)');
      },
    },
    {
      name: 'destroy',
      summary: 'Stop the lab VM and delete its disk, snapshots and profile (the cached image stays)',
      usage: 'hardenlab lab destroy [--name NAME] --yes',
      async run(args) {
        parse(args, { ...nameOpt, yes: { type: 'boolean' } });
        return arrivesWith('the lab VM (issue #3)');
      },
    },
    {
      name: 'list',
      summary: 'List lab VMs',
      usage: 'hardenlab lab list [--json]',
      async run(args, ctx) {
        const { positionals } = parse(args, {});
        noExtraPositionals(positionals, 0, this.usage);
        const r = await ctx.invoke('lab.list', {});
        ctx.print(r, () => (r.labs.length ? r.labs.map((l) => `${l.name}\t${l.state ?? ''}\t${l.host}:${l.port}`).join('\n') : 'No lab VM yet: run `hardenlab lab up`.'));
        return EXIT.OK;
      },
    },
  ],
};
