import { readFile, writeFile } from 'node:fs/promises';
import { noExtraPositionals, parse, requireString } from '../args';
import { EXIT, UsageError } from '../io';
import type { Command } from './types';

const MAX_FILE = 256 * 1024;

export const policyCommand: Command = {
  name: 'policy',
  summary: 'Policies: whole hardening baselines (the guide, KSPP, dev-sec, CIS) as data, and your own',
  usage: 'hardenlab policy list|show|export|import|remove [...]',
  subcommands: [
    {
      name: 'list',
      summary: 'The built-in policies and your own',
      usage: 'hardenlab policy list [--json]',
      async run(args, ctx) {
        const { positionals } = parse(args, {});
        noExtraPositionals(positionals, 0, this.usage);
        const r = await ctx.invoke('policies.list', {});
        ctx.print(r, () =>
          r.policies.map((p) => `${p.policy.name.padEnd(14)} v${String(p.policy.version).padEnd(4)} ${p.builtIn ? 'built in' : 'yours   '}  ${String(p.units.length).padStart(3)} settings  ${p.policy.title}`).join('\n'),
        );
        return EXIT.OK;
      },
    },
    {
      name: 'show',
      summary: 'A policy with each setting, what it is for and the source rule it comes from',
      usage: 'hardenlab policy show NAME [--json]',
      async run(args, ctx) {
        const { positionals } = parse(args, {});
        noExtraPositionals(positionals, 1, this.usage);
        const r = await ctx.invoke('policies.show', { name: requireString(positionals[0], 'A policy NAME') });
        ctx.print(r, () => {
          const p = r.policy;
          const lines = [`${p.title} (${p.name} v${p.version}${r.builtIn ? ', built in' : ''})`, `Source: ${p.source.name}${p.source.url ? ` <${p.source.url}>` : ''}`];
          if (p.basedOn) lines.push(`Tailored from: ${p.basedOn.name} v${p.basedOn.version}`);
          if (p.description) lines.push('', p.description);
          if (p.source.note) lines.push('', `Note: ${p.source.note}`);
          for (const s of r.steps) {
            lines.push('', `${s.enabled ? '' : '(off) '}${s.step}: ${s.title}${s.readOnly ? ' (read-only: audited, not changed)' : ''}${s.rule ? `  [${s.rule}]` : ''}`);
            if (!s.settings.length && !s.readOnly) lines.push("  the step's own settings");
            for (const x of s.settings) lines.push(`  ${x.enabled ? '+' : '-'} ${x.id.padEnd(44)} ${x.rule ? `[${x.rule}]` : ''}${x.why ? `\n      ${x.why}` : ''}`);
          }
          lines.push('', `${r.units.length} units for a trial and its bisection.`);
          return lines.join('\n');
        });
        return EXIT.OK;
      },
    },
    {
      name: 'export',
      summary: 'Write a policy as YAML or JSON (to a file, or to stdout)',
      usage: 'hardenlab policy export NAME [--format yaml|json] [--output FILE]',
      async run(args, ctx) {
        const { values, positionals } = parse(args, { format: { type: 'string', default: 'yaml' }, output: { type: 'string', short: 'o' } });
        noExtraPositionals(positionals, 1, this.usage);
        if (values.format !== 'yaml' && values.format !== 'json') throw new UsageError('--format is yaml or json.');
        const r = await ctx.invoke('policies.export', { name: requireString(positionals[0], 'A policy NAME'), format: values.format });
        if (values.output) {
          await writeFile(values.output, r.content, { mode: 0o644 });
          ctx.print({ file: values.output }, () => `Wrote ${values.output}.`);
        } else if (ctx.json) ctx.print(r, () => '');
        else ctx.io.out(r.content);
        return EXIT.OK;
      },
    },
    {
      name: 'import',
      summary: 'Save a policy from a YAML or JSON file (checked against the steps first; nothing changes on a VM)',
      usage: 'hardenlab policy import FILE [--replace] [--json]',
      async run(args, ctx) {
        const { values, positionals } = parse(args, { replace: { type: 'boolean' } });
        noExtraPositionals(positionals, 1, this.usage);
        const file = requireString(positionals[0], 'A policy FILE');
        const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new UsageError(`Cannot read ${file}: ${e.code ?? e.message}.`);
        });
        if (text.length > MAX_FILE) throw new UsageError(`${file} is larger than ${MAX_FILE / 1024} KiB.`);
        const r = await ctx.invoke('policies.import', { text, replace: values.replace === true });
        ctx.print(r, () => (r.changed ? `Saved the policy "${r.policy.name}" v${r.policy.version}.` : `The policy "${r.policy.name}" v${r.policy.version} is already saved with this content.`));
        return EXIT.OK;
      },
    },
    {
      name: 'remove',
      summary: 'Remove one of your policies',
      usage: 'hardenlab policy remove NAME',
      async run(args, ctx) {
        const { positionals } = parse(args, {});
        noExtraPositionals(positionals, 1, this.usage);
        const name = requireString(positionals[0], 'A policy NAME');
        const r = await ctx.invoke('policies.remove', { name });
        if (!r.removed) throw new UsageError(`There is no policy "${name}" of yours.`);
        ctx.print(r, () => `Removed the policy "${name}".`);
        return EXIT.OK;
      },
    },
  ],
};
