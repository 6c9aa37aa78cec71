import { z } from 'zod';
import { ApplyResultSchema, PlanSchema, PlanWarningSchema, TrialInfoSchema } from './domain';

export { BisectionRoundSchema, BisectionSchema, TrialInfoSchema, type BisectionRound, type BisectionShape, type TrialInfo } from './domain';
import { nameSchema } from './names';

/**
 * A policy is a whole hardening baseline as data: the steps of a source (the
 * guide, KSPP, dev-sec, CIS) in order, with their options, and for the steps
 * made of settings (sysctl, modules, ssh) the settings one by one, each with
 * the source's rule id. A trial applies a policy as one transaction; the
 * bisection works on its units (a setting of a setting-style step, or a
 * whole step otherwise).
 */
export const PolicySettingSchema = z
  .object({
    id: nameSchema('setting'),
    /** The source's rule id, e.g. "CIS 3.3.2" or "kernel-hardening-checker: kptr_restrict". */
    rule: z.string().min(1).max(120).optional(),
    /** Off: kept in the policy (tailoring shows it) but not applied. */
    enabled: z.boolean().default(true),
  })
  .strict();
export type PolicySetting = z.infer<typeof PolicySettingSchema>;

export const PolicyStepSchema = z
  .object({
    step: nameSchema('step'),
    options: z.record(z.string(), z.unknown()).default({}),
    /** Setting-style steps only: exactly the settings to apply (the step's own default set when absent). */
    settings: z.array(PolicySettingSchema).max(200).optional(),
    rule: z.string().min(1).max(120).optional(),
    enabled: z.boolean().default(true),
  })
  .strict();
export type PolicyStep = z.infer<typeof PolicyStepSchema>;

export const PolicySchema = z
  .object({
    name: nameSchema('policy'),
    version: z.number().int().min(1).max(1_000_000),
    title: z.string().min(1).max(120),
    description: z.string().max(4000).default(''),
    source: z.object({ name: z.string().min(1).max(200), url: z.string().url().max(500).optional(), note: z.string().max(2000).optional() }).strict(),
    /** The policy this one was tailored from. */
    basedOn: z.object({ name: nameSchema('policy'), version: z.number().int() }).strict().optional(),
    steps: z.array(PolicyStepSchema).min(1).max(32),
  })
  .strict();
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

/** A policy as shown: every setting with what it is for, and whether it is built in (read-only). */
export const PolicyDetailSchema = z.object({
  policy: PolicySchema,
  builtIn: z.boolean(),
  steps: z.array(
    z.object({
      step: z.string(),
      title: z.string(),
      readOnly: z.boolean(),
      enabled: z.boolean(),
      rule: z.string().optional(),
      settings: z.array(z.object({ id: z.string(), unit: z.string(), rule: z.string().optional(), enabled: z.boolean(), why: z.string() })),
    }),
  ),
  /** What a trial of it applies, one unit per setting (or per step without settings). */
  units: z.array(z.string()),
});
export type PolicyDetail = z.infer<typeof PolicyDetailSchema>;

/** "sysctl:kernel.kptr_restrict", "modules:sctp", "ssh:ssh.root-login", or a whole step such as "root-account". */
export const UNIT_PATTERN = /^[a-z][a-z0-9-]{0,31}(?::[A-Za-z0-9][A-Za-z0-9._-]{0,79})?$/;
export const UnitSchema = z.string().regex(UNIT_PATTERN, 'A unit is a step id, or step:setting such as sysctl:kernel.kptr_restrict.');

export function unitOf(step: string, setting?: string): string {
  return setting === undefined ? step : `${step}:${setting}`;
}

export function splitUnit(unit: string): { step: string; setting?: string } {
  const i = unit.indexOf(':');
  return i < 0 ? { step: unit } : { step: unit.slice(0, i), setting: unit.slice(i + 1) };
}

const PolicyRef = z.object({ name: z.string(), version: z.number().int(), title: z.string() });
const SnapshotRef = z.object({ id: z.string(), name: z.string() });
const Score = z.object({ passed: z.number().int(), total: z.number().int(), percent: z.number() });

/** The preview of a whole trial: every step's plan (its diffs and commands), before anything changes. */
export const TrialPlanSchema = z.object({
  id: z.string(),
  profile: z.string(),
  createdAt: z.string(),
  policy: PolicyRef,
  /** Units left out by the operator (or by the bisection's suggestion). */
  without: z.array(z.string()),
  /** Only these units (a bisection round); absent for the whole policy. */
  only: z.array(z.string()).optional(),
  parts: z.array(PlanSchema),
  /** Steps of the policy that the trial does not apply, and why (read-only, switched off, left out). */
  skipped: z.array(z.object({ step: z.string(), reason: z.string() })),
  units: z.array(z.string()),
  warnings: z.array(PlanWarningSchema),
  nothingToDo: z.boolean(),
  rebootRequired: z.boolean(),
  proveRebootByDefault: z.boolean(),
  canaries: z.array(z.string()),
  /** The audit now, before the trial (what the comparison starts from). */
  auditBefore: Score,
});
export type TrialPlanShape = z.infer<typeof TrialPlanSchema>;


export const TrialResultSchema = ApplyResultSchema.extend({ trial: TrialInfoSchema });
export type TrialResultShape = z.infer<typeof TrialResultSchema>;


export const TrialComparisonSchema = z.object({
  baseline: SnapshotRef,
  trials: z.array(
    z.object({
      experimentId: z.string(),
      policy: PolicyRef,
      outcome: z.string(),
      scoreBefore: Score,
      scoreAfter: Score.nullable(),
      rebootProof: z.boolean().nullable(),
      durationMs: z.number(),
      resultSnapshot: SnapshotRef.nullable(),
      startedAt: z.string(),
    }),
  ),
  /** Units that not every trial applies: which ones do. */
  settings: z.array(z.object({ unit: z.string(), in: z.array(z.boolean()) })),
  /** Audit checks whose status after the trials differs. */
  checks: z.array(z.object({ id: z.string(), title: z.string(), status: z.array(z.enum(['pass', 'fail', 'skip']).nullable()) })),
  canaries: z.array(z.object({ name: z.string(), verdicts: z.array(z.string().nullable()) })),
  /** Files the trials leave differently: absent from one, or with other content (diff from the first to the other). */
  files: z.array(z.object({ path: z.string(), state: z.enum(['same', 'differs', 'missing-in-some']), diffs: z.array(z.string()) })),
});
export type TrialComparisonShape = z.infer<typeof TrialComparisonSchema>;
