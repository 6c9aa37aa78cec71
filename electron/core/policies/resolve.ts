import { PolicySchema, splitUnit, unitOf, type Policy, type PolicyDetail } from '../../../shared/policy';
import type { AnyStep } from '../engine/step';
import { HardenLabError } from '../errors';

/**
 * From a policy (data) to what a trial runs: each enabled step with the
 * options that apply exactly its enabled settings, minus what the operator
 * leaves out. Pure: the steps are given, nothing is read from a VM.
 */
export interface ResolvedPart {
  step: AnyStep;
  /** The step's options as the policy gives them, with its settings selected (parsed by the step later). */
  options: Record<string, unknown>;
  /** The policy's explicit settings of this step, or null when the step's own default set applies. */
  settings: string[] | null;
}

export interface Resolved {
  parts: ResolvedPart[];
  skipped: Array<{ step: string; reason: string }>;
}

function stepOf(steps: readonly AnyStep[], id: string): AnyStep | undefined {
  return steps.find((s) => s.id === id);
}

/**
 * Every problem of a policy at once (shape, unknown steps or settings, bad
 * options), as one BAD_INPUT error, so an import says all that is wrong and
 * changes nothing.
 */
export function validatePolicy(input: unknown, steps: readonly AnyStep[]): Policy {
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) {
    throw new HardenLabError('BAD_INPUT', `The policy is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'policy'}: ${i.message}`).join('; ')}`);
  }
  const policy = parsed.data;
  const problems: string[] = [];
  const seen = new Set<string>();
  policy.steps.forEach((ps, i) => {
    const where = `steps.${i} (${ps.step})`;
    const step = stepOf(steps, ps.step);
    if (!step) {
      problems.push(`${where}: there is no step "${ps.step}" (steps: ${steps.map((s) => s.id).join(', ')})`);
      return;
    }
    if (step.id === 'ssh-lockout') problems.push(`${where}: the lockout demonstration is not a hardening step`);
    if (seen.has(step.id)) problems.push(`${where}: the step appears twice; give it once with all its settings`);
    seen.add(step.id);
    if (ps.settings) {
      if (!step.settings) problems.push(`${where}: this step has no settings to name one by one (only sysctl, modules and ssh do)`);
      else {
        const ids = new Set<string>();
        for (const s of ps.settings) {
          const bad = step.settings.explain(s.id);
          if (bad) problems.push(`${where}: ${bad}`);
          if (ids.has(s.id)) problems.push(`${where}: the setting "${s.id}" appears twice`);
          ids.add(s.id);
        }
      }
    }
    const opts = step.options.safeParse(ps.options);
    if (!opts.success) problems.push(`${where}: ${opts.error.issues.map((x) => `${x.path.join('.') || 'options'}: ${x.message}`).join('; ')}`);
  });
  if (problems.length) throw new HardenLabError('BAD_INPUT', `The policy "${policy.name}" is not valid: ${problems.join('; ')}.`, { hint: 'Nothing was saved or applied. `hardenlab policy show guide` shows a valid one.' });
  return policy;
}

/** What can be left out of a trial: a step, or one of a step's settings ("sysctl:kernel.kptr_restrict"). */
export function checkUnits(units: readonly string[], policy: Policy, steps: readonly AnyStep[], flag = '--without'): void {
  for (const u of units) {
    const { step, setting } = splitUnit(u);
    const ps = policy.steps.find((s) => s.step === step);
    if (!ps) throw new HardenLabError('BAD_INPUT', `${flag} ${u}: the policy "${policy.name}" has no step "${step}" (its steps: ${policy.steps.map((s) => s.step).join(', ')}).`);
    if (setting === undefined) continue;
    const bad = stepOf(steps, step)?.settings?.explain(setting) ?? (stepOf(steps, step)?.settings ? null : `the step "${step}" has no settings to name one by one`);
    if (bad) throw new HardenLabError('BAD_INPUT', `${flag} ${u}: ${bad}`);
  }
}

/**
 * The parts of a trial. `without` leaves steps or settings out; `only` (a
 * bisection round) keeps exactly these units, where a unit is a setting of
 * a step, or a whole step.
 */
export function resolvePolicy(policy: Policy, steps: readonly AnyStep[], o: { without?: readonly string[]; only?: ReadonlyMap<string, readonly string[] | null> } = {}): Resolved {
  const without = new Set(o.without ?? []);
  const parts: ResolvedPart[] = [];
  const skipped: Resolved['skipped'] = [];
  for (const ps of policy.steps) {
    const step = stepOf(steps, ps.step);
    if (!step) throw new HardenLabError('BAD_INPUT', `The policy "${policy.name}" names a step "${ps.step}" that does not exist.`);
    if (!ps.enabled) {
      skipped.push({ step: step.id, reason: 'switched off in the policy' });
      continue;
    }
    if (step.readOnly) {
      skipped.push({ step: step.id, reason: 'read-only: it is in the audit, not in what the trial changes' });
      continue;
    }
    if (without.has(step.id)) {
      skipped.push({ step: step.id, reason: 'left out of this trial' });
      continue;
    }
    if (o.only && !o.only.has(step.id)) continue;
    const fromPolicy = ps.settings ? ps.settings.filter((s) => s.enabled && !without.has(unitOf(step.id, s.id))).map((s) => s.id) : null;
    const onlyHere = o.only?.get(step.id) ? [...o.only.get(step.id)!] : null;
    const settings = onlyHere ?? fromPolicy;
    const leftOut = ps.settings && !onlyHere ? ps.settings.filter((s) => s.enabled && without.has(unitOf(step.id, s.id))).map((s) => s.id) : [];
    if (settings !== null && settings.length === 0) {
      skipped.push({ step: step.id, reason: 'none of its settings is left in this trial' });
      continue;
    }
    if (leftOut.length) skipped.push({ step: step.id, reason: `settings left out: ${leftOut.join(', ')}` });
    const options = settings !== null && step.settings ? step.settings.select(step.options.parse(ps.options), settings) : ps.options;
    parts.push({ step, options, settings });
  }
  return { parts, skipped };
}

/** The policy as shown: each step and setting with what it is for and the source's rule id. */
export function describePolicy(policy: Policy, steps: readonly AnyStep[], builtIn: boolean): PolicyDetail {
  const out: PolicyDetail['steps'] = policy.steps.map((ps) => {
    const step = stepOf(steps, ps.step);
    const whyOf = (id: string) => step?.settings?.known.find((k) => k.id === id)?.why ?? '';
    return {
      step: ps.step,
      title: step?.title ?? ps.step,
      readOnly: step?.readOnly ?? false,
      enabled: ps.enabled,
      ...(ps.rule ? { rule: ps.rule } : {}),
      settings: (ps.settings ?? []).map((s) => ({ id: s.id, unit: unitOf(ps.step, s.id), ...(s.rule ? { rule: s.rule } : {}), enabled: s.enabled, why: whyOf(s.id) })),
    };
  });
  const units = out.filter((s) => s.enabled && !s.readOnly).flatMap((s) => (s.settings.length ? s.settings.filter((x) => x.enabled).map((x) => x.unit) : [s.step]));
  return { policy, builtIn, steps: out, units };
}
