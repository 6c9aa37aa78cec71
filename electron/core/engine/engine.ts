import { deadmanSeconds, safetyNetOf } from './safety-net';
import { randomBytes } from 'node:crypto';
import { LOGIN_CANARY, type Canary, type CanaryResult } from '../../../shared/canary';
import type { ApplyResultShape, AuditReportShape, ExperimentShape, PlanShape, SnapshotShape, StepInfo } from '../../../shared/domain';
import { unifiedDiff } from '../../../shared/diff';
import type { HypervisorKind } from '../../../shared/hypervisor-kinds';
import type { Profile } from '../../../shared/profile';
import { runCanaries } from '../canaries/run';
import { adapterFor } from '../distro/detect';
import type { DistroAdapter } from '../distro/types';
import { HardenLabError } from '../errors';
import { emitProgress, type EventBus, type ProgressLevel } from '../events';
import { createFacts } from '../facts/cache';
import type { HypervisorDriver } from '../hypervisor/types';
import type { ProfileStore } from '../profiles';
import { auditChecks, auditScore } from './audit';
import { cancellable } from './cancel';
import type { Journal } from './journal';
import { PlanStore, type StoredPlan } from './plan-store';
import { withProfileLock } from './profile-lock';
import { rebootAndWait } from './reboot';
import { recover } from './recovery';
import type { AnyStep, StepContext } from './step';
import type { Connections, Target } from './target';
import { runTransaction, singleStep, type TransactionEnv } from './transaction';
import { Trials, type TrialDeps } from './trial';

export { defaultApply } from './default-apply';

/**
 * The engine: previews (plan), changes as transactions (transaction.ts),
 * the way back (recovery.ts), the audit (audit.ts). It owns the plans made
 * in this process (plan-store.ts) and gives every operation a step context
 * with its own facts (facts/).
 */
export interface EngineDeps {
  profiles: ProfileStore;
  connections: Connections;
  driverFor(kind: HypervisorKind): Promise<HypervisorDriver>;
  journal: Journal;
  events: EventBus;
  steps: readonly AnyStep[];
  /** The canaries kept with each profile (canaries/store.ts). */
  canaries: { list(profile: string): Promise<Canary[]> };
  /** The policies a trial runs (policies/store.ts). */
  policies: TrialDeps['policies'];
  now?: () => Date;
  /** How long a restored VM may take to answer SSH again. */
  reconnectDeadlineMs?: number;
  /** Upper bound for a step's apply when it does not set its own. */
  defaultApplyTimeoutMs?: number;
}

export interface RunOptions {
  opId?: string;
  signal?: AbortSignal;
}

export class Engine {
  private readonly plans = new PlanStore();
  private readonly distros = new WeakMap<Target, DistroAdapter>();
  private readonly now: () => Date;

  /** Trials of whole policies and their bisection (trial.ts). */
  readonly trials: Trials;

  constructor(private readonly deps: EngineDeps) {
    this.now = deps.now ?? (() => new Date());
    this.trials = new Trials({ engine: this, steps: deps.steps, policies: deps.policies, profiles: deps.profiles, journal: deps.journal, now: this.now });
  }

  connectionsTarget(profile: Profile, signal?: AbortSignal): Promise<Target> {
    return this.deps.connections.target(profile, signal ? { signal } : {});
  }

  journalChanged(profile: string): void {
    this.deps.events.emit('journal.changed', { profile });
  }

  listSteps(): StepInfo[] {
    return [...this.deps.steps]
      .sort((a, b) => a.guideOrder - b.guideOrder)
      .map((s) => ({ id: s.id, title: s.title, summary: s.summary, why: s.why, readOnly: s.readOnly, guideOrder: s.guideOrder, options: s.optionFields ?? [], proveRebootByDefault: s.proveRebootByDefault ?? false }));
  }

  stepDefinitions(): readonly AnyStep[] {
    return this.deps.steps;
  }

  step(id: string): AnyStep {
    const s = this.deps.steps.find((x) => x.id === id);
    if (!s) throw new HardenLabError('BAD_INPUT', `There is no step "${id}".`, { hint: `Steps: ${this.deps.steps.map((x) => x.id).join(', ')}.` });
    return s;
  }

  progress(opId: string | undefined, phase: string, message: string, level: ProgressLevel = 'info', percent?: number): void {
    emitProgress(this.deps.events, opId, phase, message, { level, at: this.now(), ...(percent !== undefined ? { percent } : {}) });
  }

  private async distro(target: Target): Promise<DistroAdapter> {
    const cached = this.distros.get(target);
    if (cached) return cached;
    const text = await target.readFile('/etc/os-release');
    if (text === null) throw new HardenLabError('NOT_IMPLEMENTED', `${target.profile.host} has no /etc/os-release, so its distribution is unknown.`);
    const adapter = adapterFor(text);
    this.distros.set(target, adapter);
    return adapter;
  }

  /** The context of one operation: the current target (a reboot replaces it), the distribution, and the operation's own facts. */
  async context(profile: Profile, target: Target, opts: RunOptions, log: (m: string) => void): Promise<StepContext & { current(): Target }> {
    let current = target;
    const distro = await this.distro(target);
    return {
      profile,
      get target() {
        return current;
      },
      distro,
      facts: createFacts(() => current, { distro, host: profile.host, user: profile.user }),
      signal: opts.signal ?? new AbortController().signal,
      log,
      freshLogin: (o) => this.deps.connections.freshLogin(profile, o),
      ...(this.deps.connections.offeredAuthMethods ? { offeredAuthMethods: (user: string) => this.deps.connections.offeredAuthMethods!(profile, user) } : {}),
      reboot: async (o) => {
        current = await rebootAndWait(this.deps.connections, profile, current, o?.deadlineMs ?? 6 * 60_000, log, opts.signal);
        this.distros.set(current, distro);
        return current;
      },
      current: () => current,
    };
  }

  /** A step's options parsed with its schema; bad ones are a BAD_INPUT error naming the step. */
  parseOptions(step: AnyStep, rawOptions: Record<string, unknown> | undefined): Record<string, unknown> {
    const parsed = step.options.safeParse(rawOptions ?? {});
    if (!parsed.success) {
      throw new HardenLabError('BAD_INPUT', `Invalid options for step ${step.id}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')}`);
    }
    return parsed.data as Record<string, unknown>;
  }

  /** Probe and plan one step on an operation's context: the preview as shown, with what apply needs. */
  async planStep(profile: Profile, step: AnyStep, options: Record<string, unknown>, ctx: StepContext): Promise<Omit<StoredPlan, 'createdAt' | 'profile'>> {
    const facts = await step.probe(ctx);
    const draft = await step.plan(facts, options, ctx);
    const plan: PlanShape = {
      id: `plan-${randomBytes(6).toString('hex')}`,
      step: step.id,
      profile: profile.name,
      createdAt: this.now().toISOString(),
      summary: draft.summary,
      files: draft.files.map((f) => ({ path: f.path, before: f.before, after: f.after, diff: unifiedDiff(f.path, f.before, f.after), ...(f.mode ? { mode: f.mode } : {}) })),
      commands: draft.commands.map((c) => ({ argv: c.argv, elevated: c.elevated, why: c.why })),
      packages: draft.packages ?? { install: [], remove: [] },
      rebootRequired: draft.rebootRequired ?? false,
      warnings: draft.warnings ?? [],
      nothingToDo: draft.nothingToDo,
      options,
      ...(draft.reports?.length ? { reports: draft.reports } : {}),
      proveRebootByDefault: step.proveRebootByDefault ?? false,
      canaries: [LOGIN_CANARY],
      ...(step.proofs && !draft.nothingToDo ? { proofs: step.proofs(draft) } : {}),
    };
    return { plan, facts, draft, step };
  }

  /** The profile's own canaries run now, read-only (the login is proved at apply): notes for those that already fail. */
  async canaryNotes(profile: Profile, target: Target, signal: AbortSignal | undefined): Promise<{ names: string[]; notes: PlanShape['warnings'] }> {
    const definitions = await this.deps.canaries.list(profile.name);
    const now = definitions.length ? await runCanaries(definitions, { target, freshLogin: null, ...(signal ? { signal } : {}) }) : [];
    return {
      names: [LOGIN_CANARY, ...definitions.map((c) => c.name)],
      notes: now.filter((r) => !r.ok).map((r) => ({ kind: 'info' as const, message: `Canary "${r.name}" already fails (${r.evidence}): if it still fails before the change, it is reported and left out of the verdict.` })),
    };
  }

  async plan(profileName: string, stepId: string, rawOptions: Record<string, unknown> | undefined, opts: RunOptions = {}): Promise<PlanShape> {
    const step = this.step(stepId);
    const options = this.parseOptions(step, rawOptions);
    const profile = await this.deps.profiles.get(profileName);
    this.progress(opts.opId, 'probe', `Reading the current state of ${profile.name} for "${step.title}".`);
    const target = await this.deps.connections.target(profile, opts.signal ? { signal: opts.signal } : {});
    const ctx = await this.context(profile, target, opts, (m) => this.progress(opts.opId, 'probe', m));
    const stored = await cancellable(opts.signal, 'The preview', async () => {
      // The plan and the canaries at once: the plan says which canaries already fail.
      const [canaries, planned] = await Promise.all([this.canaryNotes(profile, target, opts.signal), this.planStep(profile, step, options, ctx)]);
      const net = planned.draft.nothingToDo ? null : safetyNetOf(profile, [{ step: step.id, ...planned.draft }], deadmanSeconds());
      return { ...planned, plan: { ...planned.plan, warnings: [...planned.plan.warnings, ...canaries.notes], canaries: canaries.names, ...(net ? { safetyNet: { kind: net.kind, message: net.message } } : {}) } };
    });
    this.plans.put({ ...stored, profile: profile.name });
    this.progress(opts.opId, 'plan', stored.draft.nothingToDo ? 'Nothing to change.' : stored.draft.summary);
    return stored.plan;
  }

  async apply(profileName: string, planId: string, opts: RunOptions & { confirmWarnings?: boolean; proveReboot?: boolean } = {}): Promise<ApplyResultShape> {
    const stored = this.plans.get(planId, profileName);
    // A refusal before anything changed (busy, confirmation, no snapshot) keeps the plan for a retry (shared/plan-kept.ts).
    return this.plans.use(planId, () =>
      this.exclusive(profileName, `applying "${stored.step.title}" on ${profileName}`, async () => {
        const profile = await this.deps.profiles.get(stored.profile);
        return runTransaction(this.transactionEnv(profile, opts), profile, singleStep(stored), { confirmWarnings: opts.confirmWarnings ?? false, proveReboot: opts.proveReboot ?? false });
      }),
    );
  }

  transactionEnv(profile: Profile, opts: RunOptions): TransactionEnv {
    return {
      connections: this.deps.connections,
      journal: this.deps.journal,
      driverFor: (kind) => this.deps.driverFor(kind),
      now: this.now,
      ...(this.deps.reconnectDeadlineMs !== undefined ? { reconnectDeadlineMs: this.deps.reconnectDeadlineMs } : {}),
      ...(this.deps.defaultApplyTimeoutMs !== undefined ? { defaultApplyTimeoutMs: this.deps.defaultApplyTimeoutMs } : {}),
      progress: (phase, message, level, percent) => this.progress(opts.opId, phase, message, level, percent),
      journalChanged: (name) => this.deps.events.emit('journal.changed', { profile: name }),
      context: (target, log) => this.context(profile, target, opts, log),
      canaries: () => this.deps.canaries.list(profile.name),
    };
  }

  /** The built-in login canary and the profile's canaries (or only the named ones), now, without changing anything. */
  async runCanaries(profileName: string, names: readonly string[] | undefined, opts: RunOptions = {}): Promise<{ profile: string; at: string; results: CanaryResult[] }> {
    const profile = await this.deps.profiles.get(profileName);
    const all = await this.deps.canaries.list(profile.name);
    const unknown = (names ?? []).filter((n) => n !== LOGIN_CANARY && !all.some((c) => c.name === n));
    if (unknown.length) throw new HardenLabError('NOT_FOUND', `${profile.name} has no canary ${unknown.map((n) => `"${n.slice(0, 60)}"`).join(', ')}.`, { hint: 'List them with `hardenlab canary list`.' });
    const chosen = names?.length ? all.filter((c) => names.includes(c.name)) : all;
    this.progress(opts.opId, 'canaries', `Running ${chosen.length + 1} canar${chosen.length ? 'ies' : 'y'} on ${profile.name}.`);
    const target = await this.deps.connections.target(profile, opts.signal ? { signal: opts.signal } : {});
    const results = await cancellable(opts.signal, 'The canary run', () =>
      runCanaries(chosen, { target, freshLogin: () => this.deps.connections.freshLogin(profile), ...(opts.signal ? { signal: opts.signal } : {}) }),
    );
    for (const r of results) this.progress(opts.opId, 'canaries', `${r.name}: ${r.ok ? 'passes' : 'FAILS'} (${r.evidence})`, r.ok ? 'info' : 'warn');
    return { profile: profile.name, at: this.now().toISOString(), results };
  }

  /**
   * Runs a change to a profile's VM (apply, revert, a snapshot restore) as the only one in any
   * Harden Lab process; another one under way refuses it at once with "busy: <what> since <when> in process <pid>".
   */
  exclusive<T>(profileName: string, what: string, fn: () => Promise<T>): Promise<T> {
    return withProfileLock(this.deps.journal, profileName, what, fn);
  }

  /** Reverts an experiment (the last one when no id is given) to its pre-change snapshot, and proves the VM is as before. */
  revert(profileName: string, experimentId: string | undefined, opts: RunOptions = {}): Promise<{ experiment: ExperimentShape; durationMs: number }> {
    return this.exclusive(profileName, `reverting ${experimentId ? `experiment ${experimentId}` : 'the last experiment'} on ${profileName}`, async () => {
      const started = Date.now();
      const profile = await this.deps.profiles.get(profileName);
      const { experiments } = await this.deps.journal.read(profile.name);
      const candidates = experiments.filter((e) => e.snapshot && e.status !== 'reverted');
      const exp = experimentId ? experiments.find((e) => e.id === experimentId) : candidates[candidates.length - 1];
      if (!exp) throw new HardenLabError('NOT_FOUND', experimentId ? `There is no experiment "${experimentId}" for ${profile.name}.` : `${profile.name} has no experiment to revert.`);
      if (!exp.snapshot) throw new HardenLabError('NOT_FOUND', `Experiment ${exp.id} has no snapshot to revert to.`);
      const { driver, vm } = await this.vmOf(profile);
      await recover(this.deps, profile, driver, vm, exp.snapshot, { files: exp.plan?.files ?? [], prove: true, progress: (p, m, percent) => this.progress(opts.opId, p, m, 'info', percent) });
      await this.deps.journal.append(profile.name, { type: 'resolved', experimentId: exp.id, at: this.now().toISOString(), how: 'reverted', note: `Reverted to "${exp.snapshot.name}".` });
      this.deps.events.emit('journal.changed', { profile: profile.name });
      const updated = (await this.deps.journal.read(profile.name)).experiments.find((e) => e.id === exp.id)!;
      return { experiment: updated, durationMs: Date.now() - started };
    });
  }

  /**
   * One-click restore of any snapshot: the same way back as a revert, without
   * a plan to prove against. SSH that does not come back is reported, not an
   * error: the restore itself is done.
   */
  restoreSnapshot(profileName: string, ref: string, opts: RunOptions & { beforeRestore?: () => void } = {}): Promise<{ snapshot: SnapshotShape; reconnected: boolean; durationMs: number }> {
    return this.exclusive(profileName, `restoring the snapshot "${ref}" on ${profileName}`, async () => {
      const started = Date.now();
      const profile = await this.deps.profiles.get(profileName);
      const { driver, vm } = await this.vmOf(profile);
      const list = await driver.listSnapshots(vm);
      const snapshot = list.snapshots.find((x) => x.id === ref) ?? list.snapshots.find((x) => x.name === ref);
      if (!snapshot) throw new HardenLabError('SNAPSHOT_NOT_FOUND', `${profile.name} has no snapshot "${ref}". Nothing was changed.`, { hint: 'Pick one from the snapshot list.' });
      // Once the restore starts it is not cancelled: a half-restored VM is worse than either state.
      opts.beforeRestore?.();
      const back = await recover(this.deps, profile, driver, vm, snapshot, { prove: false, sshOptional: true, progress: (p, m, percent) => this.progress(opts.opId, p, m, 'info', percent) });
      if (back.reconnectError) this.progress(opts.opId, 'done', `Restored "${snapshot.name}", but SSH did not come back: ${back.reconnectError}`, 'warn');
      else this.progress(opts.opId, 'done', `Back at "${snapshot.name}"; SSH is connected.`);
      this.deps.events.emit('journal.changed', { profile: profile.name });
      return { snapshot, reconnected: !back.reconnectError, durationMs: Date.now() - started };
    });
  }

  async vmOf(profile: Profile): Promise<{ driver: HypervisorDriver; vm: string }> {
    if (!profile.hypervisor) {
      throw new HardenLabError('NO_WAY_BACK', `The profile "${profile.name}" is not linked to a hypervisor VM, so it has no snapshots.`, { hint: 'Edit the profile and choose its VirtualBox or QEMU VM.' });
    }
    return { driver: await this.deps.driverFor(profile.hypervisor.kind), vm: profile.hypervisor.vm };
  }

  async resolve(profileName: string, experimentId: string): Promise<void> {
    const { experiments } = await this.deps.journal.read(profileName);
    if (!experiments.some((e) => e.id === experimentId)) throw new HardenLabError('NOT_FOUND', `There is no experiment "${experimentId}" for ${profileName}.`);
    await this.deps.journal.append(profileName, { type: 'resolved', experimentId, at: this.now().toISOString(), how: 'marked' });
    this.deps.events.emit('journal.changed', { profile: profileName });
  }

  async audit(profileName: string, opts: RunOptions = {}): Promise<AuditReportShape> {
    const profile = await this.deps.profiles.get(profileName);
    const target = await this.deps.connections.target(profile);
    const ctx = await this.context(profile, target, opts, (m) => this.progress(opts.opId, 'probe', m));
    const checks = await auditChecks(this.deps.steps, ctx, (m) => this.progress(opts.opId, 'probe', m));
    return { profile: profile.name, at: this.now().toISOString(), checks, score: auditScore(checks) };
  }
}
