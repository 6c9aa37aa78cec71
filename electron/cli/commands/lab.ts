import { parse, noExtraPositionals } from '../args';
import { EXIT, UsageError } from '../io';
import { labDestroy, labStatus } from '../../core/lab/index';
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
      async run(args, ctx) {
        const { values, positionals } = parse(args, nameOpt);
        noExtraPositionals(positionals, 0, this.usage);
        const st = await labStatus(values.name, { home: ctx.core().services.home });
        ctx.print(st, () =>
          st.exists
            ? [`Lab VM "${st.name}": ${st.state}`, `  ssh       ${st.user}@${st.host}:${st.port ?? '?'} (key ${st.keyPath})`, `  host key  ${st.hostKeyFingerprint}`, `  accel     ${st.accel ?? '?'}${st.accelNote ? ` (${st.accelNote})` : ''}`, `  snapshots ${st.snapshotCount ?? 0}`, `  image     ${st.imageKey}${st.imageCached ? '' : ' (not cached)'}`].join('\n')
            : `Lab VM "${st.name}" does not exist yet${st.imageCached ? ' (its image is cached)' : ''}: run \`hardenlab lab up\`.`,
        );
        return EXIT.OK;
      },
    },
    {
      name: 'destroy',
      summary: 'Stop the lab VM and delete its disk, snapshots and profile (the cached image stays)',
      usage: 'hardenlab lab destroy [--name NAME] [--delete-image] --yes',
      async run(args, ctx) {
        const { values, positionals } = parse(args, { ...nameOpt, yes: { type: 'boolean' }, 'delete-image': { type: 'boolean' } });
        noExtraPositionals(positionals, 0, this.usage);
        if (!values.yes) throw new UsageError(`This deletes the lab VM "${values.name}", its snapshots and its profile. Pass --yes to confirm.`);
        const r = await labDestroy(values.name, { home: ctx.core().services.home, deleteImage: values['delete-image'] === true });
        ctx.print(r, () => (r.destroyed ? `Lab VM "${values.name}" destroyed${r.imageDeleted ? ', and its cached image deleted' : ''}.` : `There was no lab VM "${values.name}".`));
        return EXIT.OK;
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
