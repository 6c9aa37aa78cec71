import type { z } from 'zod';
import type { PlanShape, PlanWarning, Proof, StepOptionField } from '../../../shared/domain';
import type { Profile } from '../../../shared/profile';
import type { DistroAdapter } from '../distro/types';
import type { Facts } from '../facts/cache';
import type { FactProvider } from '../facts/provider';
import type { Target } from './target';

/**
 * A hardening step: probe (read-only facts) -> plan (data: files before and
 * after, commands, warnings) -> apply -> verify (the effect is real). The
 * engine wraps apply and verify in a snapshot transaction; a step never
 * snapshots, reverts, or decides what "failed" means for the VM as a whole.
 * Adding a step is one folder in electron/core/steps (its definition and
 * tests) plus one line in steps/registry.ts.
 */
export interface StepContext {
  profile: Profile;
  target: Target;
  distro: DistroAdapter;
  /** The operation's facts (facts/): read once, batched with every other step's. */
  facts: Facts;
  signal: AbortSignal;
  log(message: string): void;
  /** A brand-new SSH login with the profile's credentials (or another user's key), then an elevated `true`. */
  freshLogin(opts?: { user?: string; timeoutMs?: number }): Promise<{ ok: boolean; evidence: string }>;
  /** The authentication methods the SSH server offers to a user now (a fresh connection that does not log in). */
  offeredAuthMethods?(user: string): Promise<string[]>;
  /** Reboots the VM and waits for SSH; steps that reboot must use the returned target afterwards. */
  reboot(opts?: { deadlineMs?: number }): Promise<Target>;
}

export interface PlannedFile {
  path: string;
  before: string | null;
  /** null deletes the file. */
  after: string | null;
  /** Mode for a new file, e.g. "0644"; an existing file keeps its own. */
  mode?: string;
}

export interface PlannedCommand {
  argv: string[];
  elevated: boolean;
  why: string;
  /** A command whose failure is reported but does not fail the step (e.g. unloading a module that is busy). */
  optional?: boolean;
  timeoutMs?: number;
}

export interface StepPlanDraft<D = unknown> {
  summary: string;
  files: PlannedFile[];
  commands: PlannedCommand[];
  packages?: { install: string[]; remove: string[] };
  rebootRequired?: boolean;
  warnings?: PlanWarning[];
  /** Whether there is nothing to change (re-planning after apply must give true). */
  nothingToDo: boolean;
  /** Read-only results to show in full (PlanShape.reports). */
  reports?: NonNullable<PlanShape['reports']>;
  /** Step-private data carried from plan to apply and verify. */
  data?: D;
}

export interface VerifyCheck {
  name: string;
  ok: boolean;
  evidence: string;
  /** The setting holds only until the next boot by design (the plan says so): the reboot proof does not count it. */
  untilReboot?: boolean;
  /** In a trial of several steps: whose check it is. */
  step?: string;
}

export interface AuditCheckDraft {
  /** "<step id>.<name>": the UI files a check under its step by this prefix. */
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skip';
  evidence: string;
  /**
   * On a failing check that the step's plan does not close (a precondition
   * such as an admin user, or something the step leaves alone on purpose,
   * such as a module in use): what the operator does instead. The report
   * then offers no "Fix" link to the step. Every other failing check must
   * pass once the plan made with the step's default options (what that link
   * opens) is applied: steps/audit-fix.test.ts holds each step to it.
   */
  byHand?: string;
}

export interface StepDefinition<F = unknown, O = Record<string, unknown>, D = unknown> {
  id: string;
  title: string;
  summary: string;
  /** Why it matters for a container host, in plain words. */
  why: string;
  /** Position in the guide's order (walkthrough). */
  guideOrder: number;
  readOnly: boolean;
  /** How the UI shows the options (the zod schema below still decides what is valid). */
  optionFields?: StepOptionField[];
  /** Parses the step's options (with defaults); unknown or bad options are a BAD_INPUT error. */
  options: z.ZodType<O>;
  /** The facts its probe reads, so an operation over many steps (the audit) gathers them in one batch. */
  facts?: ReadonlyArray<FactProvider<unknown>>;
  probe(ctx: StepContext): Promise<F>;
  plan(facts: F, options: O, ctx: StepContext): StepPlanDraft<D> | Promise<StepPlanDraft<D>>;
  /** Checks that must pass before anything changes (e.g. a key login works). Throws a HardenLabError to refuse. */
  preflight?(facts: F, draft: StepPlanDraft<D>, ctx: StepContext): Promise<void>;
  /** Default: write every file atomically, then run every command in order. */
  apply?(draft: StepPlanDraft<D>, ctx: StepContext): Promise<void>;
  verify(draft: StepPlanDraft<D>, ctx: StepContext): Promise<VerifyCheck[]>;
  /**
   * Read-only commands and what they must print once the change holds,
   * from the same definitions verify judges (verify may run them itself):
   * the fleet export runs them on every host after the change.
   */
  proofs?(draft: StepPlanDraft<D>): Proof[];
  /** Audit checks derived from the probe facts, from the same definitions the plan and verify use. */
  audit(facts: F): AuditCheckDraft[];
  /** The step's own apply reboots (and waits) when it must; the engine then does not reboot after it. */
  rebootsItself?: boolean;
  /** Upper bound for apply (+ reboot) before the engine declares the VM lost and reverts. */
  applyTimeoutMs?: number;
  /** The step's effect lives in files read at boot (modules, sysctl, kernel): the UI offers the reboot proof switched on. */
  proveRebootByDefault?: boolean;
  /**
   * After a reboot proof lost some checks: why, when the step can tell (e.g.
   * which file or unit sets the value at boot). Read-only, on the rebooted VM.
   */
  explainRebootLoss?(lost: VerifyCheck[], draft: StepPlanDraft<D>, ctx: StepContext): Promise<string[]>;
  /** Steps made of settings (sysctl, modules, ssh): what a policy names one by one, and how to apply exactly some of them. */
  settings?: StepSettings<O, D>;
}

export interface StepSettings<O, D = unknown> {
  /** The settings the step knows, with what each is for. */
  known: ReadonlyArray<{ id: string; why: string }>;
  /** Null when a policy may name this setting, otherwise why not (a policy is refused before anything runs). */
  explain(id: string): string | null;
  /** The options that apply exactly these settings (a trial leaves a step with none out altogether). */
  select(options: O, ids: readonly string[]): O;
  /** The settings a plan of the step writes (what a bisection splits a whole step into). */
  planned(draft: StepPlanDraft<D>): string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStep = StepDefinition<any, any, any>;
