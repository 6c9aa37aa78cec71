import type { ApplyResultShape, BisectionShape } from '../../../shared/domain';
import type { TrialPlanShape } from '../../../shared/policy';
import { noExtraPositionals, parse, requireString } from '../args';
import { EXIT, UsageError } from '../io';
import { applySummary } from './hardening';
import type { Command } from './types';

const profileOpt = { profile: { type: 'string' as const, short: 'p' } };

export function trialPreview(plan: TrialPlanShape): string {
  const lines = [`Trial of "${plan.policy.title}" (${plan.policy.name} v${plan.policy.version}) on ${plan.profile}: audit now ${plan.auditBefore.passed}/${plan.auditBefore.total}.`];
  for (const p of plan.parts) {
    lines.push('', `== ${p.step}: ${p.nothingToDo ? 'nothing to change' : p.summary}`);
    for (const f of p.files) lines.push(f.diff.trimEnd());
    for (const c of p.commands) lines.push(`$ ${c.elevated ? 'sudo ' : ''}${c.argv.join(' ')}    # ${c.why}`);
  }
  for (const s of plan.skipped) lines.push(`(${s.step}: ${s.reason})`);
  for (const w of plan.warnings) lines.push(`! ${w.kind}: ${w.message}`);
  lines.push('', `Canaries: ${plan.canaries.join(', ')}. ${plan.units.length} settings.`);
  return lines.join('\n');
}

function trialSummary(result: ApplyResultShape, profile: string): string {
  const t = result.trial;
  const lines = [applySummary(result)];
  if (t) {
    lines.push('', `Policy: ${t.policy.name} v${t.policy.version}; steps: ${t.steps.join(', ')}; audit ${t.auditBefore.passed}/${t.auditBefore.total}${t.auditAfter ? ` -> ${t.auditAfter.score.passed}/${t.auditAfter.score.total}` : ''}.`);
    if (t.baseline) lines.push(`Baseline: ${t.baseline.name}${t.resultSnapshot ? `; result kept as ${t.resultSnapshot.name}` : ''}.`);
  }
  const failed = result.checks.filter((c) => !c.ok);
  lines.push(`Checks: ${result.checks.length - failed.length} of ${result.checks.length} pass.`);
  for (const c of failed) lines.push(`  FAIL ${c.step ? `${c.step}: ` : ''}${c.name} (${c.evidence})`);
  if (result.outcome === 'reverted') lines.push(`Find the culprit: hardenlab trial ${t?.policy.name ?? 'POLICY'} --profile ${profile} --bisect`);
  return lines.join('\n');
}

export function bisectionSummary(b: BisectionShape): string {
  const lines = [`Bisection of ${b.units.length} settings of ${b.policy.name}: ${b.outcome} in ${b.rounds.length} rounds (at most ${b.roundBound}).`];
  for (const r of b.rounds) lines.push(`  round ${r.round}: ${r.outcome.padEnd(5)} ${r.tried.join(', ')}${r.failed.length ? `\n           failed: ${r.failed.join('; ')}` : ''}`);
  if (b.outcome === 'found') {
    lines.push('', b.combination ? `No single setting breaks it alone; together these do: ${b.culprit.join(', ')}` : `Culprit: ${b.culprit.join(', ')}`);
    lines.push(`Without it: hardenlab trial ${b.policy.name} --from ${JSON.stringify(b.baseline.name)} ${b.suggestion.without.map((u) => `--without ${u}`).join(' ')}`);
  }
  return lines.join('\n');
}

export const trialCommand: Command = {
  name: 'trial',
  summary: 'Trial a whole policy as one transaction; --bisect finds the setting that breaks it; `trial compare` sets trials side by side',
  usage:
    'hardenlab trial POLICY --profile P --yes [--without STEP|STEP:SETTING]... [--from SNAPSHOT] [--prove-reboot] [--bisect] [--json]\n' +
    'hardenlab trial POLICY --profile P --preview [--without ...] [--from SNAPSHOT]\n' +
    'hardenlab trial compare EXPERIMENT EXPERIMENT... --profile P [--format markdown|html] [--json]',
  async run(args, ctx) {
    if (args[0] === 'compare') return compare(args.slice(1), ctx);
    const { values, positionals } = parse(args, {
      ...profileOpt,
      yes: { type: 'boolean' },
      preview: { type: 'boolean' },
      without: { type: 'string', multiple: true },
      from: { type: 'string' },
      'prove-reboot': { type: 'boolean' },
      bisect: { type: 'boolean' },
    });
    noExtraPositionals(positionals, 1, this.usage);
    const policy = requireString(positionals[0], 'A POLICY');
    const profile = requireString(values.profile, '--profile');
    if (!values.yes && !values.preview) throw new UsageError('A trial changes the VM: look at it with --preview first, then pass --yes.');
    const { plan } = await ctx.invoke('trials.plan', { profile, policy, without: values.without ?? [], ...(values.from ? { from: values.from } : {}) });
    if (values.preview) {
      ctx.print({ plan }, () => trialPreview(plan));
      return EXIT.OK;
    }
    const proveReboot = values['prove-reboot'] === true;
    const { result } = await ctx.invoke('trials.run', { profile, planId: plan.id, confirmWarnings: true, proveReboot });
    if (values.bisect && result.outcome === 'reverted') {
      const { bisection } = await ctx.invoke('trials.bisect', { profile, experimentId: result.experimentId, proveReboot });
      ctx.print({ result, bisection }, () => `${trialSummary(result, profile)}\n\n${bisectionSummary(bisection)}`);
      return EXIT.FAILED;
    }
    ctx.print(result, () => trialSummary(result, profile));
    return result.outcome === 'verified' || result.outcome === 'nothing-to-do' ? EXIT.OK : EXIT.FAILED;
  },
};

async function compare(args: string[], ctx: Parameters<NonNullable<Command['run']>>[1]): Promise<number> {
  const { values, positionals } = parse(args, { ...profileOpt, format: { type: 'string' } });
  if (positionals.length < 2) throw new UsageError('trial compare needs two or more experiment ids (see `hardenlab journal`).');
  if (values.format && values.format !== 'markdown' && values.format !== 'html') throw new UsageError('--format is markdown or html.');
  const r = await ctx.invoke('trials.compare', { profile: requireString(values.profile, '--profile'), experimentIds: positionals, format: (values.format as 'markdown' | 'html' | undefined) ?? 'markdown' });
  if (ctx.json) ctx.print(r.comparison, () => '');
  else ctx.io.out(r.report!.content);
  return EXIT.OK;
}
