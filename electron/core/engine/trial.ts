import { randomBytes } from 'node:crypto';
import type { ApplyResultShape, BisectionShape, ExperimentShape, PlanShape, SnapshotShape, TrialInfo } from '../../../shared/domain';
import { splitUnit, unitOf, type Policy, type TrialPlanShape } from '../../../shared/policy';
import type { Profile } from '../../../shared/profile';
import { HardenLabError, toErrorInfo } from '../errors';
import type { HypervisorDriver, Snapshot } from '../hypervisor/types';
import { bisect, BisectCancelled, roundBound } from '../policies/bisect';
import { checkUnits, resolvePolicy } from '../policies/resolve';
import { auditChecks, auditScore } from './audit';
import { cancellable } from './cancel';
import type { Engine, RunOptions } from './engine';
import type { Journal } from './journal';
import { PlanStore } from './plan-store';
import { recover } from './recovery';
import type { AnyStep, StepContext } from './step';
import { applyAndProve, canaryRunner, preflightParts, ProofFailed, runTransaction, stamp, type ChangePart } from './transaction';

/**
 * Trials: a whole policy as one transaction (one snapshot before, every
 * step applied in order, one combined verify, one revert), kept as a result
 * snapshot when it holds; and the bisection of one that failed, which
 * re-applies halves of its units to the pre-trial snapshot until the
 * culprit is named. The decisions are in policies/ (resolve, bisect); this
 * file is their I/O: planning on the VM, the snapshots, the journal.
 */
export interface TrialDeps {
  engine: Engine;
  steps: readonly AnyStep[];
  policies: { get(name: string): Promise<{ policy: Policy }> };
  profiles: { get(name: string): Promise<Profile> };
  journal: Journal;
  now(): Date;
}

interface StoredTrial {
  plan: TrialPlanShape;
  profile: string;
  createdAt: number;
  parts: ChangePart[];
  policy: Policy;
  baseline: Snapshot | null;
}

export interface TrialPlanOptions extends RunOptions {
  without?: readonly string[];
  /** Restore this snapshot first and start from it (every trial from one baseline compares). */
  from?: string;
}

function onlyMap(units: readonly string[]): Map<string, string[] | null> {
  const m = new Map<string, string[] | null>();
  for (const u of units) {
    const { step, setting } = splitUnit(u);
    if (setting === undefined) m.set(step, null);
    else m.set(step, [...(m.get(step) ?? []), setting]);
  }
  return m;
}

/** Every part's files and commands as one plan: what the journal and the fleet exports take. */
export function mergedPlan(t: TrialPlanShape): PlanShape {
  const changing = t.parts.filter((p) => !p.nothingToDo);
  return {
    id: t.id,
    step: 'trial',
    profile: t.profile,
    createdAt: t.createdAt,
    summary: `Trial of the policy "${t.policy.title}" (${t.policy.name} v${t.policy.version}): ${changing.map((p) => p.step).join(', ') || 'nothing to change'}.`,
    files: changing.flatMap((p) => p.files),
    commands: changing.flatMap((p) => p.commands),
    packages: { install: changing.flatMap((p) => p.packages.install), remove: changing.flatMap((p) => p.packages.remove) },
    rebootRequired: t.rebootRequired,
    warnings: t.warnings,
    nothingToDo: t.nothingToDo,
    options: { policy: t.policy.name, version: t.policy.version, without: t.without },
    proveRebootByDefault: t.proveRebootByDefault,
    canaries: t.canaries,
    proofs: changing.flatMap((p) => (p.proofs ?? []).map((x) => ({ ...x, step: p.step }))),
  };
}

export class Trials {
  private readonly plans = new PlanStore<StoredTrial>();

  constructor(private readonly d: TrialDeps) {}

  private async snapshotOf(profile: Profile, ref: string): Promise<{ snapshot: SnapshotShape; driver: HypervisorDriver; vm: string }> {
    const { driver, vm } = await this.d.engine.vmOf(profile);
    const list = await driver.listSnapshots(vm);
    const snapshot = list.snapshots.find((x) => x.id === ref) ?? list.snapshots.find((x) => x.name === ref);
    if (!snapshot) throw new HardenLabError('SNAPSHOT_NOT_FOUND', `${profile.name} has no snapshot "${ref.slice(0, 80)}". Nothing was changed.`, { hint: 'Pick one from `hardenlab snapshot list`.' });
    return { snapshot, driver, vm };
  }

  /** Every part planned on one context (one batch of facts), each file written by one step only. */
  private async planParts(profile: Profile, policy: Policy, ctx: StepContext, o: { without: readonly string[]; only?: readonly string[] }): Promise<{ parts: ChangePart[]; skipped: TrialPlanShape['skipped']; units: string[] }> {
    const resolved = resolvePolicy(policy, this.d.steps, { without: o.without, ...(o.only ? { only: onlyMap(o.only) } : {}) });
    const parts: ChangePart[] = [];
    const units: string[] = [];
    const writer = new Map<string, string>();
    for (const r of resolved.parts) {
      const options = this.d.engine.parseOptions(r.step, r.options);
      ctx.log(`Planning "${r.step.title}".`);
      const part = await this.d.engine.planStep(profile, r.step, options, ctx);
      for (const f of part.draft.files) {
        const other = writer.get(f.path);
        if (other) throw new HardenLabError('BAD_INPUT', `The steps "${other}" and "${r.step.id}" of the policy both write ${f.path}; a trial cannot apply both.`, { hint: 'Leave one of them out (--without).' });
        writer.set(f.path, r.step.id);
      }
      parts.push(part);
      const ids = r.settings ?? (r.step.settings ? r.step.settings.planned(part.draft) : null);
      units.push(...(ids ? ids.map((id) => unitOf(r.step.id, id)) : [r.step.id]));
    }
    return { parts, skipped: resolved.skipped, units };
  }

  async plan(profileName: string, policyName: string, o: TrialPlanOptions = {}): Promise<TrialPlanShape> {
    const { policy } = await this.d.policies.get(policyName);
    const without = [...new Set(o.without ?? [])];
    checkUnits(without, policy, this.d.steps);
    const profile = await this.d.profiles.get(profileName);
    const engine = this.d.engine;
    const log = (m: string) => engine.progress(o.opId, 'probe', m);
    let baseline: Snapshot | null = null;
    if (o.from) {
      const { snapshot, driver, vm } = await this.snapshotOf(profile, o.from);
      await engine.exclusive(profile.name, `restoring the baseline "${snapshot.name}" for a trial on ${profile.name}`, () =>
        recover(engine.transactionEnv(profile, o), profile, driver, vm, snapshot, { prove: false, progress: (p, m, percent) => engine.progress(o.opId, p, m, 'info', percent) }),
      );
      baseline = snapshot;
    }
    log(`Reading the current state of ${profile.name} for every step of "${policy.title}".`);
    const target = await engine.connectionsTarget(profile, o.signal);
    const ctx = await engine.context(profile, target, o, log);
    const { planned, audit, canaries } = await cancellable(o.signal, 'The preview', async () => {
      // The audit first: it gathers every step's facts in one batch, which the plans below then read.
      const audit = await auditChecks(this.d.steps, ctx, log);
      const [planned, canaries] = await Promise.all([this.planParts(profile, policy, ctx, { without }), engine.canaryNotes(profile, target, o.signal)]);
      return { planned, audit, canaries };
    });
    const plan: TrialPlanShape = {
      id: `trial-${randomBytes(6).toString('hex')}`,
      profile: profile.name,
      createdAt: this.d.now().toISOString(),
      policy: { name: policy.name, version: policy.version, title: policy.title },
      without,
      parts: planned.parts.map((p) => p.plan),
      skipped: planned.skipped,
      units: planned.units,
      warnings: [...planned.parts.flatMap((p) => p.plan.warnings.map((w) => ({ ...w, message: `${p.step.title}: ${w.message}` }))), ...canaries.notes],
      nothingToDo: planned.parts.every((p) => p.draft.nothingToDo),
      rebootRequired: planned.parts.some((p) => p.plan.rebootRequired),
      proveRebootByDefault: planned.parts.some((p) => !p.draft.nothingToDo && p.step.proveRebootByDefault),
      canaries: canaries.names,
      auditBefore: auditScore(audit),
    };
    this.plans.put({ plan, profile: profile.name, parts: planned.parts, policy, baseline });
    engine.progress(o.opId, 'plan', plan.nothingToDo ? 'Nothing to change: the VM already has the whole policy.' : `${planned.parts.filter((p) => !p.draft.nothingToDo).length} steps to apply: ${planned.units.length} settings in all.`);
    return plan;
  }

  async run(profileName: string, planId: string, o: RunOptions & { confirmWarnings?: boolean; proveReboot?: boolean } = {}): Promise<ApplyResultShape> {
    const stored = this.plans.get(planId, profileName);
    const engine = this.d.engine;
    return this.plans.use(planId, () =>
      engine.exclusive(profileName, `running a trial of "${stored.policy.title}" on ${profileName}`, async () => {
        const profile = await this.d.profiles.get(stored.profile);
        const t = stored.plan;
        const info = (baseline: Snapshot | null, extra: Partial<TrialInfo> = {}): TrialInfo => ({
          policy: t.policy,
          without: t.without,
          steps: t.parts.map((p) => p.step),
          units: t.units,
          baseline: baseline ? { id: baseline.id, name: baseline.name } : null,
          resultSnapshot: null,
          auditBefore: t.auditBefore,
          files: t.parts.flatMap((p) => p.files.map((f) => ({ path: f.path, after: f.after }))),
          ...extra,
        });
        const env = engine.transactionEnv(profile, o);
        const result = await runTransaction(
          env,
          profile,
          {
            step: 'trial',
            title: `Trial of "${t.policy.title}"`,
            parts: stored.parts,
            plan: mergedPlan(t),
            needsSnapshot: true,
            ...(stored.baseline ? { baseline: stored.baseline } : {}),
            info: (snapshot) => ({ trial: info(snapshot) }),
            afterVerified: async (ctx, snapshot) => {
              env.progress('verify', 'Auditing the VM after the trial.');
              const checks = await auditChecks(this.d.steps, await env.context(ctx.target, (m) => env.progress('verify', m)), (m) => env.progress('verify', m));
              const { driver, vm } = await engine.vmOf(profile);
              const name = `trial-${t.policy.name}-${stamp(this.d.now()).replace(/[-:TZ]/g, '').slice(0, 14)}`;
              env.progress('snapshot', `Keeping the result as the snapshot "${name}".`);
              const kept = await driver.takeSnapshot(vm, name, { description: `Harden Lab: the result of a verified trial of "${t.policy.title}" v${t.policy.version}`, live: true, onProgress: (p) => env.progress('snapshot', p.message, 'info', p.percent) });
              return { trial: info(snapshot, { resultSnapshot: { id: kept.id, name: kept.name }, auditAfter: { score: auditScore(checks), checks: checks.map((c) => ({ id: c.id, title: c.title, status: c.status })) } }) };
            },
          },
          { confirmWarnings: o.confirmWarnings ?? false, proveReboot: o.proveReboot ?? false },
        );
        return result;
      }),
    );
  }

  /**
   * Finds the smallest set of a failed trial's units that breaks it on its
   * own. Every round starts from the trial's baseline snapshot, and the VM
   * is back there at the end, cancelled or not.
   */
  async bisect(profileName: string, experimentId: string | undefined, o: RunOptions & { proveReboot?: boolean } = {}): Promise<BisectionShape> {
    const engine = this.d.engine;
    const profile = await this.d.profiles.get(profileName);
    const { experiments } = await this.d.journal.read(profile.name);
    const failed = experiments.filter((e) => e.result?.trial && e.result.outcome === 'reverted');
    const exp: ExperimentShape | undefined = experimentId ? experiments.find((e) => e.id === experimentId) : failed[failed.length - 1];
    if (!exp) throw new HardenLabError('NOT_FOUND', experimentId ? `There is no experiment "${experimentId.slice(0, 100)}".` : `${profile.name} has no failed trial to bisect.`);
    const trial = exp.result?.trial;
    if (!trial || exp.result?.outcome !== 'reverted') throw new HardenLabError('BAD_INPUT', `Experiment ${exp.id} is not a trial that failed and was reverted: there is nothing to bisect.`);
    const baseline = trial.baseline ?? exp.snapshot;
    if (!baseline) throw new HardenLabError('NOT_FOUND', `Trial ${exp.id} has no snapshot to start the rounds from.`);
    const { policy } = await this.d.policies.get(trial.policy.name);
    if (policy.version !== trial.policy.version) engine.progress(o.opId, 'bisect', `The policy "${policy.name}" is at version ${policy.version} now; the trial ran version ${trial.policy.version}. Bisecting with version ${policy.version}.`, 'warn');
    const units = trial.units;
    if (units.length === 0) throw new HardenLabError('BAD_INPUT', `Trial ${exp.id} applied no settings: there is nothing to bisect.`);
    const { driver, vm } = await engine.vmOf(profile);
    const started = Date.now();
    const id = `${stamp(this.d.now()).replace(/[-:]/g, '').slice(0, 15)}-bisect-${randomBytes(2).toString('hex')}`;
    const say = (m: string, level: 'info' | 'warn' = 'info') => {
      engine.progress(o.opId, 'bisect', m, level);
      void this.d.journal.append(profile.name, { type: 'log', experimentId: id, at: this.d.now().toISOString(), phase: 'bisect', message: m }).catch(() => undefined);
    };
    const bound = roundBound(units.length);
    const signal = o.signal ?? new AbortController().signal;
    return engine.exclusive(profile.name, `bisecting the trial ${exp.id} on ${profile.name}`, async () => {
      const env = engine.transactionEnv(profile, o);
      await this.d.journal.append(profile.name, { type: 'intent', experimentId: id, at: this.d.now().toISOString(), profile: profile.name, step: 'bisect', plan: { ...exp.plan!, id: `bisect-of-${exp.id}`, summary: `Bisection of the trial ${exp.id} (${trial.policy.name})` }, snapshot: baseline });
      engine.journalChanged(profile.name);
      const definitions = await env.canaries();
      const canaryRun = canaryRunner(env, profile, definitions);
      const restore = (why: string) => {
        say(`Restoring "${baseline.name}" ${why}.`);
        return recover(env, profile, driver, vm, baseline, { prove: false, progress: (p, m, percent) => env.progress(p, m, 'info', percent) });
      };
      let outcome: BisectionShape['outcome'] = 'found';
      let found: Awaited<ReturnType<typeof bisect>> = { culprit: [], combination: false, rounds: [] };
      let error: unknown;
      try {
        say(`Bisecting ${units.length} settings of "${trial.policy.title}": at most ${bound} rounds.`);
        found = await bisect(
          units,
          async (tried, round) => {
            say(`Round ${round} (at most ${bound}): trying ${tried.length} of ${units.length}: ${tried.join(', ')}.`);
            await restore('for the round');
            const target = await engine.connectionsTarget(profile, signal);
            const ctx = await engine.context(profile, target, o, say);
            const { parts } = await this.planParts(profile, policy, ctx, { without: trial.without, only: tried });
            const changing = parts.filter((p) => !p.draft.nothingToDo);
            if (changing.length === 0) return { broke: false, failed: [] };
            try {
              await preflightParts(changing, ctx);
              const baselineRun = await canaryRun.baseline(ctx);
              await applyAndProve(env, changing, { first: ctx, baseline: baselineRun, canaryRun, proveReboot: o.proveReboot ?? false, phase: (_n, m, fn) => (say(m), fn()), log: () => say, tagSteps: true });
              say(`Round ${round}: it held.`);
              return { broke: false, failed: [] };
            } catch (e) {
              const cause = e instanceof ProofFailed ? e.failure : e;
              // A check's name says what should hold; its evidence says what was seen instead.
              const checks = (cause as { checks?: Array<{ name: string; ok: boolean; evidence?: string }> }).checks;
              const what = checks ? checks.filter((c) => !c.ok).map((c) => `${c.name}: no (${(c.evidence ?? '').slice(0, 160) || 'failed'})`) : [toErrorInfo(cause).message];
              say(`Round ${round}: it broke: ${what.join('; ')}.`, 'warn');
              return { broke: true, failed: what };
            }
          },
          { signal },
        );
      } catch (e) {
        if (e instanceof BisectCancelled || signal.aborted) {
          outcome = 'cancelled';
          found = { culprit: [], combination: false, rounds: e instanceof BisectCancelled ? e.rounds : found.rounds };
        } else error = e;
      }
      await restore(outcome === 'cancelled' ? 'after the cancel' : 'after the bisection');
      const bisection: BisectionShape = {
        experimentId: id,
        policy: trial.policy,
        baseline,
        units,
        rounds: found.rounds,
        culprit: found.culprit,
        combination: found.combination,
        roundBound: bound,
        suggestion: { without: [...trial.without, ...found.culprit] },
        outcome,
        durationMs: Date.now() - started,
      };
      const result: ApplyResultShape = {
        experimentId: id,
        step: 'bisect',
        outcome: 'reverted',
        snapshot: baseline,
        checks: [],
        phases: [],
        durationMs: bisection.durationMs,
        bisection,
        ...(error ? { error: toErrorInfo(error) } : {}),
      };
      await this.d.journal.append(profile.name, { type: 'outcome', experimentId: id, at: this.d.now().toISOString(), result });
      engine.journalChanged(profile.name);
      if (error) throw error;
      say(outcome === 'cancelled' ? `Cancelled; the VM is back at "${baseline.name}".` : found.combination ? `No single setting breaks it alone; the smallest set seen to break it: ${found.culprit.join(', ')}.` : `The culprit: ${found.culprit.join(', ')} (${found.rounds.length} rounds).`);
      return bisection;
    });
  }
}
