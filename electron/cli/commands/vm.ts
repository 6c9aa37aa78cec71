import { parse, noExtraPositionals, requireString } from '../args';
import { EXIT, UsageError } from '../io';
import type { Command } from './types';

const profileOpt = { profile: { type: 'string' as const, short: 'p' } };

export const vmCommand: Command = {
  name: 'vm',
  summary: 'VMs the hypervisors on this machine know',
  usage: 'hardenlab vm list [--hypervisor virtualbox|qemu] [--json]',
  subcommands: [
    {
      name: 'list',
      summary: 'List VMs of every available hypervisor',
      usage: 'hardenlab vm list [--hypervisor virtualbox|qemu] [--json]',
      async run(args, ctx) {
        const { values, positionals } = parse(args, { hypervisor: { type: 'string' } });
        noExtraPositionals(positionals, 0, this.usage);
        const hv = values.hypervisor;
        if (hv !== undefined && hv !== 'virtualbox' && hv !== 'qemu') throw new UsageError('--hypervisor must be virtualbox or qemu.');
        const r = await ctx.invoke('vm.list', hv ? { hypervisor: hv } : {});
        ctx.print(r, () => {
          const rows = r.vms.map((v) => `${v.hypervisor.padEnd(11)} ${v.name.padEnd(28)} ${v.state.padEnd(9)} ${v.sshForward ? `ssh ${v.sshForward.host}:${v.sshForward.port}` : ''}`);
          for (const u of r.unavailable) rows.push(`${u.hypervisor.padEnd(11)} (unavailable: ${u.reason})`);
          return rows.length ? rows.join('\n') : 'No VMs found.';
        });
        return EXIT.OK;
      },
    },
  ],
};

export const snapshotCommand: Command = {
  name: 'snapshot',
  summary: 'List, take, restore and delete snapshots of a profile\'s VM',
  usage: 'hardenlab snapshot list|take|restore|delete --profile NAME [...]',
  subcommands: [
    {
      name: 'list',
      summary: 'Show the snapshot tree; * marks the current one',
      usage: 'hardenlab snapshot list --profile NAME [--json]',
      async run(args, ctx) {
        const { values, positionals } = parse(args, profileOpt);
        noExtraPositionals(positionals, 0, this.usage);
        const r = await ctx.invoke('snapshots.list', { profile: requireString(values.profile, '--profile') });
        ctx.print(r, () => {
          if (r.snapshots.length === 0) return 'No snapshots.';
          const children = new Map<string | null, typeof r.snapshots>();
          for (const s of r.snapshots) children.set(s.parentId, [...(children.get(s.parentId) ?? []), s]);
          const lines: string[] = [];
          const walk = (parent: string | null, depth: number) => {
            for (const s of children.get(parent) ?? []) {
              lines.push(`${'  '.repeat(depth)}${s.id === r.currentId ? '* ' : '- '}${s.name}  [${s.id}]${s.createdAt ? '  ' + s.createdAt : ''}${s.description ? '  ' + s.description : ''}`);
              walk(s.id, depth + 1);
            }
          };
          walk(null, 0);
          return lines.join('\n');
        });
        return EXIT.OK;
      },
    },
    {
      name: 'take',
      summary: 'Take a snapshot (live where the hypervisor can)',
      usage: 'hardenlab snapshot take NAME --profile NAME [--description TEXT] [--json]',
      async run(args, ctx) {
        const { values, positionals } = parse(args, { ...profileOpt, description: { type: 'string' } });
        noExtraPositionals(positionals, 1, this.usage);
        const name = requireString(positionals[0], 'A snapshot NAME');
        const r = await ctx.invoke('snapshots.take', { profile: requireString(values.profile, '--profile'), name, ...(values.description ? { description: values.description } : {}) });
        ctx.print(r, () => `Snapshot "${r.snapshot.name}" taken [${r.snapshot.id}].`);
        return EXIT.OK;
      },
    },
    {
      name: 'restore',
      summary: 'Restore a snapshot (name or id) and reconnect SSH',
      usage: 'hardenlab snapshot restore NAME|ID --profile NAME [--json]',
      async run(args, ctx) {
        const { values, positionals } = parse(args, profileOpt);
        noExtraPositionals(positionals, 1, this.usage);
        const snapshot = requireString(positionals[0], 'A snapshot NAME or ID');
        const r = await ctx.invoke('snapshots.restore', { profile: requireString(values.profile, '--profile'), snapshot });
        ctx.print(r, () => `Restored "${r.snapshot.name}" in ${(r.durationMs / 1000).toFixed(1)} s${r.reconnected ? '; SSH is back' : ''}.`);
        return EXIT.OK;
      },
    },
    {
      name: 'delete',
      summary: 'Delete a snapshot (name or id)',
      usage: 'hardenlab snapshot delete NAME|ID --profile NAME',
      async run(args, ctx) {
        const { values, positionals } = parse(args, profileOpt);
        noExtraPositionals(positionals, 1, this.usage);
        const snapshot = requireString(positionals[0], 'A snapshot NAME or ID');
        const r = await ctx.invoke('snapshots.delete', { profile: requireString(values.profile, '--profile'), snapshot });
        ctx.print(r, () => `Deleted snapshot "${snapshot}".`);
        return EXIT.OK;
      },
    },
  ],
};
