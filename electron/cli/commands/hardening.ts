import { parse, noExtraPositionals, requireString } from '../args';
import { EXIT, UsageError } from '../io';
import type { Command } from './types';

const profileOpt = { profile: { type: 'string' as const, short: 'p' } };

export const planCommand: Command = {
  name: 'plan',
  summary: 'Preview a hardening step: the diff of each file, the commands and the warnings',
  usage: 'hardenlab plan STEP --profile NAME [--json]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, profileOpt);
    noExtraPositionals(positionals, 1, this.usage);
    const step = requireString(positionals[0], 'A STEP');
    const { plan } = await ctx.invoke('steps.plan', { profile: requireString(values.profile, '--profile'), step });
    ctx.print(plan, () => {
      if (plan.nothingToDo) return `${plan.summary}\nNothing to change.`;
      const parts = [plan.summary, ...plan.files.map((f) => f.diff), ...plan.commands.map((c) => `$ ${c.argv.join(' ')}   # ${c.why}`), ...plan.warnings.map((w) => `WARNING (${w.kind}): ${w.message}`)];
      return parts.join('\n');
    });
    return EXIT.OK;
  },
};

export const applyCommand: Command = {
  name: 'apply',
  summary: 'Apply a step inside a snapshot; exit 0 only when verified, 1 when it failed and was reverted',
  usage: 'hardenlab apply STEP --profile NAME --yes [--json]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { ...profileOpt, yes: { type: 'boolean' } });
    noExtraPositionals(positionals, 1, this.usage);
    const step = requireString(positionals[0], 'A STEP');
    const profile = requireString(values.profile, '--profile');
    if (!values.yes) throw new UsageError('apply changes the VM: review `hardenlab plan` first, then pass --yes.');
    const { plan } = await ctx.invoke('steps.plan', { profile, step });
    const { result } = await ctx.invoke('steps.apply', { profile, planId: plan.id, confirmWarnings: true });
    ctx.print(result, () => `${result.step}: ${result.outcome}${result.error ? ` (${result.error.message})` : ''}`);
    return result.outcome === 'verified' || result.outcome === 'nothing-to-do' ? EXIT.OK : EXIT.FAILED;
  },
};

export const revertCommand: Command = {
  name: 'revert',
  summary: 'Revert the last (or the given) experiment to its pre-change snapshot',
  usage: 'hardenlab revert --profile NAME [--experiment ID] [--json]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { ...profileOpt, experiment: { type: 'string' } });
    noExtraPositionals(positionals, 0, this.usage);
    const r = await ctx.invoke('revert.experiment', { profile: requireString(values.profile, '--profile'), ...(values.experiment ? { experimentId: values.experiment } : {}) });
    ctx.print(r, () => `Reverted experiment ${r.experiment.id} (${r.experiment.step}) in ${(r.durationMs / 1000).toFixed(1)} s.`);
    return EXIT.OK;
  },
};

export const journalCommand: Command = {
  name: 'journal',
  summary: 'The experiments recorded for a profile, and any left open',
  usage: 'hardenlab journal --profile NAME [--json]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, profileOpt);
    noExtraPositionals(positionals, 0, this.usage);
    const r = await ctx.invoke('journal.list', values.profile ? { profile: values.profile } : {});
    ctx.print(r, () => (r.experiments.length ? r.experiments.map((e) => `${e.startedAt}  ${e.id}  ${e.step.padEnd(14)} ${e.status}`).join('\n') : 'No experiments yet.'));
    return EXIT.OK;
  },
};

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Check the VM against every step: pass, fail or skip, with evidence',
  usage: 'hardenlab audit --profile NAME [--json]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, profileOpt);
    noExtraPositionals(positionals, 0, this.usage);
    const r = await ctx.invoke('audit.run', { profile: requireString(values.profile, '--profile') });
    ctx.print(r, () => [...r.checks.map((c) => `${c.status.padEnd(4)}  ${c.id.padEnd(32)} ${c.evidence}`), `Score: ${r.score.passed}/${r.score.total} (${r.score.percent}%)`].join('\n'));
    return r.checks.some((c) => c.status === 'fail') ? EXIT.FAILED : EXIT.OK;
  },
};

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export an experiment as a report (markdown, html) or for a fleet (ansible, shell)',
  usage: 'hardenlab export markdown|html|ansible|shell --profile NAME [--experiment ID] [--output FILE]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { ...profileOpt, experiment: { type: 'string' }, output: { type: 'string', short: 'o' } });
    noExtraPositionals(positionals, 1, this.usage);
    const format = requireString(positionals[0], 'A FORMAT');
    if (!['markdown', 'html', 'ansible', 'shell'].includes(format)) throw new UsageError('FORMAT must be markdown, html, ansible or shell.');
    const s = ctx.core().services;
    const profile = await s.profiles.get(requireString(values.profile, '--profile'));
    const { exportExperiment } = await import('../../core/engine/report');
    const r = exportExperiment((await s.journal.read(profile.name)).experiments, values.experiment, format as 'markdown', profile);
    if (values.output) {
      const { writeFile, chmod } = await import('node:fs/promises');
      const { dirname, join } = await import('node:path');
      await writeFile(values.output, r.content);
      if (format === 'shell') await chmod(values.output, 0o755);
      const written = [values.output];
      if (r.inventory) {
        const inv = join(dirname(values.output), 'inventory.example.ini');
        await writeFile(inv, r.inventory);
        written.push(inv);
      }
      ctx.print({ files: written }, () => `Wrote ${written.join(' and ')}`);
    } else {
      ctx.io.out(r.content);
    }
    return EXIT.OK;
  },
};
