import { parse, noExtraPositionals, requireString } from '../args';
import { EXIT, UsageError } from '../io';
import type { ApplyResultShape, StepInfo } from '../../../shared/domain';
import type { CommandContext } from '../context';
import { parseStepSets } from '../step-options';
import type { Command } from './types';

const profileOpt = { profile: { type: 'string' as const, short: 'p' } };
const planOpts = { ...profileOpt, set: { type: 'string' as const, multiple: true } };

function findStep(steps: readonly StepInfo[], id: string): StepInfo {
  const step = steps.find((s) => s.id === id);
  if (!step) throw new UsageError(`There is no step "${id}". Steps: ${steps.map((s) => s.id).join(', ')}.`);
  return step;
}

/** The step's options from --set, checked against the fields the core gives for the step before anything is sent. */
async function stepOptions(ctx: CommandContext, stepId: string, given: string | string[] | undefined): Promise<Record<string, unknown> | undefined> {
  const sets = given === undefined ? [] : Array.isArray(given) ? given : [given];
  if (sets.length === 0) return undefined;
  const { steps } = await ctx.invoke('steps.list', {});
  return parseStepSets(findStep(steps, stepId), sets);
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'Preview a hardening step: the diff of each file, the commands and the warnings',
  usage: 'hardenlab plan STEP --profile NAME [--set KEY=VALUE]... [--json]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, planOpts);
    noExtraPositionals(positionals, 1, this.usage);
    const step = requireString(positionals[0], 'A STEP');
    const profile = requireString(values.profile, '--profile');
    const options = await stepOptions(ctx, step, values.set);
    const { plan } = await ctx.invoke('steps.plan', { profile, step, ...(options ? { options } : {}) });
    ctx.print(plan, () => {
      if (plan.nothingToDo) return `${plan.summary}\nNothing to change.`;
      const parts = [plan.summary, ...plan.files.map((f) => f.diff), ...plan.commands.map((c) => `$ ${c.argv.join(' ')}   # ${c.why}`), ...plan.warnings.map((w) => `WARNING (${w.kind}): ${w.message}`)];
      if (plan.safetyNet) parts.push(`Safety net: ${plan.safetyNet.message}`);
      return parts.join('\n');
    });
    return EXIT.OK;
  },
};

export const applyCommand: Command = {
  name: 'apply',
  summary: 'Apply a step inside a snapshot (or, without a hypervisor, under the in-guest dead-man switch); exit 0 only when verified, 1 when it failed and was reverted',
  usage: 'hardenlab apply STEP --profile NAME --yes [--prove-reboot] [--set KEY=VALUE]... [--json]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { ...planOpts, yes: { type: 'boolean' }, 'prove-reboot': { type: 'boolean' } });
    noExtraPositionals(positionals, 1, this.usage);
    const step = requireString(positionals[0], 'A STEP');
    const profile = requireString(values.profile, '--profile');
    if (!values.yes) throw new UsageError('apply changes the VM: review `hardenlab plan` first, then pass --yes.');
    const options = await stepOptions(ctx, step, values.set);
    const { plan } = await ctx.invoke('steps.plan', { profile, step, ...(options ? { options } : {}) });
    const { result } = await ctx.invoke('steps.apply', { profile, planId: plan.id, confirmWarnings: true, proveReboot: values['prove-reboot'] === true });
    ctx.print(result, () => applySummary(result));
    return result.outcome === 'verified' || result.outcome === 'nothing-to-do' ? EXIT.OK : EXIT.FAILED;
  },
};

/** The outcome, then the canaries before/after (and after the reboot), then the reboot proof: what a person reads after an apply. */
export function applySummary(result: ApplyResultShape): string {
  const lines = [`${result.step}: ${result.outcome}${result.error ? ` (${result.error.message})` : ''}`];
  const rows = result.canaries ?? [];
  if (rows.length) {
    const reboot = rows.some((r) => r.afterReboot);
    lines.push('', `Canaries:  ${'before'.padEnd(6)}  ${'after'.padEnd(6)}${reboot ? '  after reboot' : ''}`);
    const cell = (r: { ok: boolean } | null | undefined) => (r ? (r.ok ? 'pass' : 'FAIL') : '-').padEnd(6);
    for (const r of rows) lines.push(`  ${r.name.padEnd(24)} ${cell(r.before)}  ${cell(r.after)}${reboot ? `  ${cell(r.afterReboot)}` : ''}  ${r.verdict}${r.verdict === 'broke' || r.verdict === 'broke-after-reboot' ? `: ${(r.afterReboot && !r.afterReboot.ok ? r.afterReboot : r.after)?.evidence ?? ''}` : ''}`);
  }
  if (result.deadman) {
    const d = result.deadman;
    const what = { disarmed: 'proved by a fresh login and disarmed', restored: `put the change back (${d.firedBy === 'timer' ? `its own timer, at its ${d.deadlineS} s deadline` : 'fired by Harden Lab when the change failed'}) at ${d.restoredAt ?? '?'}`, 'not-restored': 'armed; it did not finish' }[d.outcome];
    lines.push('', `Dead-man switch (${d.manager === 'systemd' ? `${d.unit}.timer` : 'a detached sleeper'}): ${what}`);
  }
  if (result.rebootProof) {
    const p = result.rebootProof;
    lines.push('', `Reboot proof: ${p.ok ? 'the change survived a reboot' : 'the change does NOT survive a reboot'} (boot id ${p.bootIdBefore.slice(0, 8)} -> ${p.bootIdAfter.slice(0, 8)})`);
    for (const l of p.lost) lines.push(`  lost: ${l}`);
    for (const r of p.reasons) lines.push(`  why: ${r}`);
  }
  return lines.join('\n');
}

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
    const r = await ctx.invoke('journal.export', { profile: requireString(values.profile, '--profile'), format: format as 'markdown', ...(values.experiment ? { experimentId: values.experiment } : {}) });
    // What did not travel, on stderr: stdout may be the playbook itself.
    for (const n of r.notes ?? []) ctx.io.err(`Note: ${n}\n`);
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

export const stepsCommand: Command = {
  name: 'steps',
  summary: 'The hardening steps, or one step\'s options with their kinds and defaults (for --set)',
  usage: 'hardenlab steps [STEP] [--json]',
  async run(args, ctx) {
    const { positionals } = parse(args, {});
    noExtraPositionals(positionals, 1, this.usage);
    const { steps } = await ctx.invoke('steps.list', {});
    const id = positionals[0];
    if (id === undefined) {
      ctx.print({ steps }, () => steps.map((s) => `${s.id.padEnd(14)} ${s.readOnly ? 'reads only' : 'changes  '}  ${s.title}`).join('\n'));
      return EXIT.OK;
    }
    const step = findStep(steps, id);
    ctx.print(step, () =>
      [
        `${step.id}: ${step.title}`,
        step.summary,
        '',
        step.options.length ? 'Options (hardenlab plan|apply ' + step.id + ' --set KEY=VALUE):' : 'No options.',
        ...step.options.map((f) => `  ${f.name}=${f.type === 'enum' ? (f.choices ?? []).map((c) => c.value).join('|') : f.type === 'string-list' ? 'A,B,...' : f.type === 'boolean' ? 'true|false' : 'TEXT'}${f.default !== undefined ? `  (default ${Array.isArray(f.default) ? f.default.join(',') || 'empty' : String(f.default)})` : ''}\n      ${f.label}${f.help ? `: ${f.help}` : ''}`),
      ].join('\n'),
    );
    return EXIT.OK;
  },
};
