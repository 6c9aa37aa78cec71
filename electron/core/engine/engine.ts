import { randomBytes } from 'node:crypto';
import type { ApplyResultShape, AuditReportShape, ExperimentShape, PlanShape, StepInfo } from '../../../shared/domain';
import { unifiedDiff } from '../../../shared/diff';
import type { Profile } from '../../../shared/profile';
import type { EventBus } from '../api/events';
import { adapterFor } from '../distro/detect';
import type { DistroAdapter } from '../distro/types';
import { HardenLabError, toErrorInfo, type ErrorCode } from '../errors';
import { createFacts } from '../facts/cache';
import type { HypervisorDriver, Snapshot } from '../hypervisor/types';
import type { ProfileStore } from '../profiles';
import { reportCheck } from './audit-check';
import type { Journal } from './journal';
import { withProfileLock } from './profile-lock';
import type { AnyStep, StepContext, StepPlanDraft, VerifyCheck } from './step';
import { mustExec, type Connections, type Target } from './target';

/**
 * The transaction engine. Every change runs as:
 *
 *   preflight -> snapshot -> journal intent -> apply (+ reboot) -> verify
 *                                                      |            |
 *                                   fails or times out v            v fails
 *                               restore snapshot -> reconnect -> prove the VM is back -> journal
 *
 * Nothing is applied without a snapshot to return to (a profile without a
 * hypervisor is refused), and the journal record of the intent is on disk
 * before the first change, so a crash leaves an open experiment that the next
 * start reports.
 */

/** Errors after which no later probe can succeed either: the audit fails as a whole. */
const AUDIT_FATAL: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['NOT_CONNECTED', 'CONNECT_FAILED', 'AUTH_FAILED', 'HOST_KEY_CHANGED', 'HOST_KEY_REJECTED', 'HOST_KEY_UNKNOWN', 'CANCELLED']);
export interface EngineDeps {
  profiles: ProfileStore;
  connections: Connections;
  driverFor(kind: 'virtualbox' | 'qemu'): Promise<HypervisorDriver>;
  journal: Journal;
  events: EventBus;
  steps: readonly AnyStep[];
  now?: () => Date;
  /** How long a restored VM may take to answer SSH again. */
  reconnectDeadlineMs?: number;
  /** Upper bound for a step's apply when it does not set its own. */
  defaultApplyTimeoutMs?: number;
}

interface StoredPlan {
  plan: PlanShape;
  facts: unknown;
  draft: StepPlanDraft;
  step: AnyStep;
  profile: string;
  createdAt: number;
}

export interface RunOptions {
  opId?: string;
  signal?: AbortSignal;
}

const PLAN_TTL_MS = 60 * 60_000;

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export class Engine {
  private readonly plans = new Map<string, StoredPlan>();
  private readonly distros = new WeakMap<Target, DistroAdapter>();
  private readonly now: () => Date;

  constructor(private readonly deps: EngineDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  listSteps(): StepInfo[] {
    return [...this.deps.steps]
      .sort((a, b) => a.guideOrder - b.guideOrder)
      .map((s) => ({ id: s.id, title: s.title, summary: s.summary, why: s.why, readOnly: s.readOnly, guideOrder: s.guideOrder, options: s.optionFields ?? [] }));
  }

  step(id: string): AnyStep {
    const s = this.deps.steps.find((x) => x.id === id);
    if (!s) throw new HardenLabError('BAD_INPUT', `There is no step "${id}".`, { hint: `Steps: ${this.deps.steps.map((x) => x.id).join(', ')}.` });
    return s;
  }

  private progress(opId: string | undefined, phase: string, message: string, level: 'info' | 'warn' | 'error' = 'info', percent?: number): void {
    if (!opId) return;
    this.deps.events.emit('progress', { opId, phase, message, level, at: this.now().toISOString(), ...(percent !== undefined ? { percent } : {}) });
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

  private async context(profile: Profile, target: Target, opts: RunOptions, log: (m: string) => void): Promise<StepContext & { current(): Target }> {
    let current = target;
    const distro = await this.distro(target);
    const ctx: StepContext & { current(): Target } = {
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
        current = await this.reboot(profile, current, o?.deadlineMs ?? 6 * 60_000, log, opts.signal);
        this.distros.set(current, distro);
        return current;
      },
      current: () => current,
    };
    return ctx;
  }

  /**
   * Reboots and waits for a different boot: the boot id must change, so an
   * sshd still answering on the way down is not mistaken for the VM being back.
   */
  private async reboot(profile: Profile, target: Target, deadlineMs: number, log: (m: string) => void, signal?: AbortSignal): Promise<Target> {
    const bootId = (await target.readFile('/proc/sys/kernel/random/boot_id'))?.trim() ?? '';
    log('Rebooting the VM.');
    // The connection dies under the command; its exit status is meaningless.
    await target.exec(['sh', '-c', 'sleep 1; (command -v systemctl >/dev/null && systemctl reboot) || reboot'], { elevate: true, timeoutMs: 15_000 }).catch(() => undefined);
    this.deps.connections.drop(profile);
    const started = Date.now();
    for (;;) {
      const left = deadlineMs - (Date.now() - started);
      if (left <= 0) throw new HardenLabError('TIMEOUT', `The VM did not come back from its reboot within ${Math.round(deadlineMs / 1000)} s.`);
      const next = await this.deps.connections.reconnect(profile, { deadlineMs: left, onProgress: log, ...(signal ? { signal } : {}) });
      const nowId = (await next.readFile('/proc/sys/kernel/random/boot_id'))?.trim() ?? '';
      if (nowId && nowId !== bootId) {
        log(`The VM is back after ${Math.round((Date.now() - started) / 1000)} s.`);
        return next;
      }
      this.deps.connections.drop(profile);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  async plan(profileName: string, stepId: string, rawOptions: Record<string, unknown> | undefined, opts: RunOptions = {}): Promise<PlanShape> {
    const step = this.step(stepId);
    const parsed = step.options.safeParse(rawOptions ?? {});
    if (!parsed.success) {
      throw new HardenLabError('BAD_INPUT', `Invalid options for step ${stepId}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')}`);
    }
    const profile = await this.deps.profiles.get(profileName);
    this.progress(opts.opId, 'probe', `Reading the current state of ${profile.name} for "${step.title}".`);
    const target = await this.deps.connections.target(profile, opts.signal ? { signal: opts.signal } : {});
    const ctx = await this.context(profile, target, opts, (m) => this.progress(opts.opId, 'probe', m));
    const { facts, draft } = await cancellable(opts.signal, 'The preview', async () => {
      const facts = await step.probe(ctx);
      return { facts, draft: await step.plan(facts, parsed.data, ctx) };
    });
    const id = `plan-${randomBytes(6).toString('hex')}`;
    const plan: PlanShape = {
      id,
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
      options: parsed.data as Record<string, unknown>,
      ...(draft.reports?.length ? { reports: draft.reports } : {}),
    };
    this.plans.set(id, { plan, facts, draft, step, profile: profile.name, createdAt: Date.now() });
    for (const [k, v] of this.plans) if (Date.now() - v.createdAt > PLAN_TTL_MS) this.plans.delete(k);
    this.progress(opts.opId, 'plan', draft.nothingToDo ? 'Nothing to change.' : draft.summary);
    return plan;
  }

  getPlan(planId: string): PlanShape | null {
    return this.plans.get(planId)?.plan ?? null;
  }

  async apply(profileName: string, planId: string, opts: RunOptions & { confirmWarnings?: boolean } = {}): Promise<ApplyResultShape> {
    const stored = this.plans.get(planId);
    if (!stored || stored.profile !== profileName) {
      throw new HardenLabError('NOT_FOUND', 'That plan is unknown or has expired.', { hint: 'Plan the step again, review it, then apply.' });
    }
    // Refused while busy, the plan is kept: nothing changed, and it can be applied once the other change is done.
    return this.exclusive(profileName, `applying "${stored.step.title}" on ${profileName}`, async () => {
      try {
        const result = await this.runTransaction(stored, opts);
        this.plans.delete(planId);
        return result;
      } catch (e) {
        // A refusal before anything changed (confirmation, stale plan, preflight) keeps the plan for a retry;
        // anything later means the VM moved on and the plan must be made again.
        if (!(e instanceof HardenLabError && ['CONFIRMATION_REQUIRED', 'NO_WAY_BACK'].includes(e.code))) this.plans.delete(planId);
        throw e;
      }
    });
  }

  /**
   * Runs a change to a profile's VM (apply, revert, a snapshot restore) as the only one in any
   * Harden Lab process; another one under way refuses it at once with "busy: <what> since <when> in process <pid>".
   */
  exclusive<T>(profileName: string, what: string, fn: () => Promise<T>): Promise<T> {
    return withProfileLock(this.deps.journal, profileName, what, fn);
  }

  private async runTransaction(stored: StoredPlan, opts: RunOptions & { confirmWarnings?: boolean }): Promise<ApplyResultShape> {
    const { plan, draft, step } = stored;
    const started = Date.now();
    const experimentId = `${stamp(this.now()).replace(/[-:]/g, '').slice(0, 15)}-${step.id}-${randomBytes(2).toString('hex')}`;
    const phases: ApplyResultShape['phases'] = [];
    const profile = await this.deps.profiles.get(stored.profile);
    const result = (outcome: ApplyResultShape['outcome'], snapshot: Snapshot | null, checks: VerifyCheck[], error?: unknown): ApplyResultShape => ({
      experimentId,
      step: step.id,
      outcome,
      snapshot: snapshot ? { id: snapshot.id, name: snapshot.name } : null,
      checks,
      phases,
      ...(error !== undefined ? { error: toErrorInfo(error) } : {}),
      durationMs: Date.now() - started,
    });

    if (draft.nothingToDo) {
      this.progress(opts.opId, 'done', 'Nothing to change: the VM already has this setting.');
      return result('nothing-to-do', null, []);
    }
    const risky = (draft.warnings ?? []).filter((w) => w.kind === 'lockout-risk' || w.kind === 'irreversible-until-reboot' || w.kind === 'breaks-docker');
    if (risky.length > 0 && !opts.confirmWarnings) {
      throw new HardenLabError('CONFIRMATION_REQUIRED', `This change needs your confirmation: ${risky.map((w) => w.message).join(' ')}`, { hint: 'Review the warnings, then confirm.' });
    }
    if (!profile.hypervisor) {
      throw new HardenLabError('NO_WAY_BACK', `The profile "${profile.name}" is not linked to a hypervisor VM, so there would be no snapshot to go back to.`, {
        hint: 'Link the profile to its VirtualBox or QEMU VM, then apply again.',
      });
    }
    const driver = await this.deps.driverFor(profile.hypervisor.kind);
    const vm = profile.hypervisor.vm;

    const phase = async <T>(name: ApplyResultShape['phases'][number]['phase'], fn: () => Promise<T>, message?: string): Promise<T> => {
      const t0 = Date.now();
      this.progress(opts.opId, name, message ?? name);
      try {
        const v = await fn();
        phases.push({ phase: name, ok: true, durationMs: Date.now() - t0 });
        return v;
      } catch (e) {
        phases.push({ phase: name, ok: false, durationMs: Date.now() - t0, message: toErrorInfo(e).message });
        throw e;
      }
    };
    const log = (phaseName: string) => (m: string) => {
      this.progress(opts.opId, phaseName, m);
      void this.deps.journal.append(profile.name, { type: 'log', experimentId, at: this.now().toISOString(), phase: phaseName, message: m }).catch(() => undefined);
    };

    let target = await this.deps.connections.target(profile);
    let ctx = await this.context(profile, target, opts, log('apply'));

    // Before anything changes: the plan must still describe the VM, and the step's own preflight must pass.
    await phase('probe', async () => {
      for (const f of draft.files) {
        const now = await target.readFile(f.path, { elevate: true });
        if (now !== f.before) {
          throw new HardenLabError('PLAN_STALE', `${f.path} changed on the VM since the plan was made.`, { hint: 'Plan the step again to see the current difference.' });
        }
      }
      if (step.preflight) await step.preflight(stored.facts, draft, ctx);
    }, 'Checking that the plan still matches the VM.');

    const snapshot = await phase(
      'snapshot',
      () => driver.takeSnapshot(vm, `hl-${step.id}-${stamp(this.now()).replace(/[TZ]/g, ' ').trim()}`.replace(/ /g, '_'), {
        description: `Harden Lab: before "${step.title}" (experiment ${experimentId})`,
        live: true,
        onProgress: (p) => this.progress(opts.opId, 'snapshot', p.message, 'info', p.percent),
      }),
      'Taking a snapshot to come back to.',
    );
    await this.deps.journal.append(profile.name, { type: 'intent', experimentId, at: this.now().toISOString(), profile: profile.name, step: step.id, plan, snapshot: { id: snapshot.id, name: snapshot.name } });
    this.deps.events.emit('journal.changed', { profile: profile.name });

    let checks: VerifyCheck[] = [];
    try {
      await phase('apply', () => this.withDeadline(step.applyTimeoutMs ?? this.deps.defaultApplyTimeoutMs ?? 10 * 60_000, step.title, async () => {
        if (step.apply) await step.apply(draft, ctx);
        else await defaultApply(draft, ctx);
      }), `Applying "${step.title}".`);
      if (draft.rebootRequired && !step.rebootsItself) {
        await phase('reboot', async () => {
          await ctx.reboot();
        }, 'Rebooting to take the change into use.');
      }
      target = ctx.current();
      ctx = await this.context(profile, target, opts, log('verify'));
      checks = await phase('verify', async () => {
        const own = await step.verify(draft, ctx);
        const login = await this.deps.connections.freshLogin(profile);
        const all = [...own, { name: 'The VM still accepts a fresh login with elevation', ok: login.ok, evidence: login.evidence }];
        const failed = all.filter((c) => !c.ok);
        if (failed.length > 0) {
          const err = new HardenLabError('VERIFY_FAILED', `Verification failed: ${failed.map((c) => `${c.name} (${c.evidence})`).join('; ')}`);
          (err as HardenLabError & { checks?: VerifyCheck[] }).checks = all;
          throw err;
        }
        return all;
      }, 'Proving that the change took effect and the VM is still reachable.');
    } catch (failure) {
      const failedChecks = (failure as { checks?: VerifyCheck[] }).checks ?? checks;
      this.progress(opts.opId, 'revert', `Something failed (${toErrorInfo(failure).message}); restoring the snapshot "${snapshot.name}".`, 'warn');
      try {
        const back = await phase('revert', () => this.restoreAndProve(profile, driver, vm, snapshot, draft, opts), `Restoring "${snapshot.name}".`);
        const res = result('reverted', snapshot, [...failedChecks, ...back], failure);
        await this.deps.journal.append(profile.name, { type: 'outcome', experimentId, at: this.now().toISOString(), result: res });
        this.deps.events.emit('journal.changed', { profile: profile.name });
        this.progress(opts.opId, 'done', `The change was reverted: the VM is back at "${snapshot.name}".`, 'warn');
        return res;
      } catch (revertError) {
        const res = result('revert-failed', snapshot, failedChecks, revertError);
        await this.deps.journal.append(profile.name, { type: 'outcome', experimentId, at: this.now().toISOString(), result: res });
        this.deps.events.emit('journal.changed', { profile: profile.name });
        this.progress(opts.opId, 'done', `The automatic revert failed: ${toErrorInfo(revertError).message}. Restore "${snapshot.name}" from the Snapshots panel.`, 'error');
        return res;
      }
    }
    const res = result('verified', snapshot, checks);
    await this.deps.journal.append(profile.name, { type: 'outcome', experimentId, at: this.now().toISOString(), result: res });
    this.deps.events.emit('journal.changed', { profile: profile.name });
    this.progress(opts.opId, 'done', `"${step.title}" is applied and verified.`);
    return res;
  }

  private async withDeadline<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HardenLabError('TIMEOUT', `"${what}" did not finish within ${Math.round(ms / 1000)} s; the VM is treated as lost.`)), ms);
    });
    try {
      return await Promise.race([fn(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Restores, reconnects, and proves the VM is as it was before: each planned file has its old content again. */
  private async restoreAndProve(profile: Profile, driver: HypervisorDriver, vm: string, snapshot: Snapshot, draft: StepPlanDraft | null, opts: RunOptions): Promise<VerifyCheck[]> {
    this.deps.connections.drop(profile);
    await driver.restoreSnapshot(vm, snapshot.id, { onProgress: (p) => this.progress(opts.opId, 'revert', p.message, 'info', p.percent) });
    this.progress(opts.opId, 'reconnect', 'Waiting for SSH on the restored VM.');
    const target = await this.deps.connections.reconnect(profile, {
      deadlineMs: this.deps.reconnectDeadlineMs ?? 5 * 60_000,
      onProgress: (m) => this.progress(opts.opId, 'reconnect', m),
    });
    const checks: VerifyCheck[] = [];
    for (const f of draft?.files ?? []) {
      const now = await target.readFile(f.path, { elevate: true });
      checks.push({ name: `${f.path} is back to its content before the change`, ok: now === f.before, evidence: now === f.before ? 'identical' : 'differs' });
    }
    const login = await this.deps.connections.freshLogin(profile);
    checks.push({ name: 'The restored VM accepts a fresh login with elevation', ok: login.ok, evidence: login.evidence });
    const bad = checks.filter((c) => !c.ok);
    if (bad.length) throw new HardenLabError('VERIFY_FAILED', `The VM was restored but is not as before: ${bad.map((c) => c.name).join('; ')}.`);
    return checks;
  }

  /** Reverts an experiment (the last one when no id is given) to its pre-change snapshot. */
  revert(profileName: string, experimentId: string | undefined, opts: RunOptions = {}): Promise<{ experiment: ExperimentShape; durationMs: number }> {
    return this.exclusive(profileName, `reverting ${experimentId ? `experiment ${experimentId}` : 'the last experiment'} on ${profileName}`, () => this.revertNow(profileName, experimentId, opts));
  }

  private async revertNow(profileName: string, experimentId: string | undefined, opts: RunOptions): Promise<{ experiment: ExperimentShape; durationMs: number }> {
    const started = Date.now();
    const profile = await this.deps.profiles.get(profileName);
    const { experiments } = await this.deps.journal.read(profile.name);
    const candidates = experiments.filter((e) => e.snapshot && e.status !== 'reverted');
    const exp = experimentId ? experiments.find((e) => e.id === experimentId) : candidates[candidates.length - 1];
    if (!exp) throw new HardenLabError('NOT_FOUND', experimentId ? `There is no experiment "${experimentId}" for ${profile.name}.` : `${profile.name} has no experiment to revert.`);
    if (!exp.snapshot) throw new HardenLabError('NOT_FOUND', `Experiment ${exp.id} has no snapshot to revert to.`);
    if (!profile.hypervisor) throw new HardenLabError('NO_WAY_BACK', `The profile "${profile.name}" is not linked to a hypervisor VM.`);
    const driver = await this.deps.driverFor(profile.hypervisor.kind);
    const snapshot: Snapshot = { id: exp.snapshot.id, name: exp.snapshot.name, description: '', parentId: null };
    const files = exp.plan?.files.map((f) => ({ path: f.path, before: f.before, after: f.after })) ?? [];
    await this.restoreAndProve(profile, driver, profile.hypervisor.vm, snapshot, { summary: '', files, commands: [], nothingToDo: false }, opts);
    await this.deps.journal.append(profile.name, { type: 'resolved', experimentId: exp.id, at: this.now().toISOString(), how: 'reverted', note: `Reverted to "${snapshot.name}".` });
    this.deps.events.emit('journal.changed', { profile: profile.name });
    const updated = (await this.deps.journal.read(profile.name)).experiments.find((e) => e.id === exp.id)!;
    return { experiment: updated, durationMs: Date.now() - started };
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
    const checks: AuditReportShape['checks'] = [];
    for (const step of [...this.deps.steps].sort((a, b) => a.guideOrder - b.guideOrder)) {
      if (opts.signal?.aborted) throw cancelledError('The audit');
      this.progress(opts.opId, 'probe', `Checking ${step.title}.`);
      try {
        const facts = await step.probe(ctx);
        for (const c of step.audit(facts)) checks.push(reportCheck(step.id, c));
      } catch (e) {
        // Cancelled (a Disconnect cancels read-only work first): whatever the cut-off probe said.
        if (opts.signal?.aborted) throw cancelledError('The audit');
        const info = toErrorInfo(e);
        // A step that cannot read its facts is skipped; a VM that stops answering (a revert or a
        // reboot under way, a dropped link) makes the whole audit meaningless: say so, do not
        // report every check as skipped.
        if (AUDIT_FATAL.has(info.code)) throw e;
        checks.push({ id: `${step.id}.probe`, title: `${step.title}: could not be checked`, status: 'skip', evidence: info.message, fixStep: step.id });
      }
    }
    const counted = checks.filter((c) => c.status !== 'skip');
    const passed = counted.filter((c) => c.status === 'pass').length;
    return {
      profile: profile.name,
      at: this.now().toISOString(),
      checks,
      score: { passed, total: counted.length, percent: counted.length ? Math.round((passed / counted.length) * 100) : 0 },
    };
  }
}

function cancelledError(what: string): HardenLabError {
  return new HardenLabError('CANCELLED', `${what} was cancelled.`);
}

/**
 * Read-only work that the caller may cancel: once the signal fired, any
 * failure (a probe cut off by the closing connection) is reported as the
 * cancellation it is.
 */
async function cancellable<T>(signal: AbortSignal | undefined, what: string, fn: () => Promise<T>): Promise<T> {
  if (signal?.aborted) throw cancelledError(what);
  try {
    return await fn();
  } catch (e) {
    if (signal?.aborted) throw cancelledError(what);
    throw e;
  }
}

/** Writes every planned file atomically (with a backup), then runs the planned commands in order. */
export async function defaultApply(draft: StepPlanDraft, ctx: StepContext): Promise<void> {
  for (const f of draft.files) {
    if (f.after === null) {
      await mustExec(ctx.target, ['rm', '-f', '--', f.path], { elevate: true }, `Removing ${f.path}`);
      ctx.log(`Removed ${f.path}.`);
    } else {
      const r = await ctx.target.writeFile(f.path, f.after, { elevate: true, ...(f.mode && f.before === null ? { mode: f.mode } : {}) });
      ctx.log(`Wrote ${f.path}${r.backupPath ? ` (old content kept in ${r.backupPath})` : ''}.`);
    }
  }
  for (const c of draft.commands) {
    const r = await ctx.target.exec(c.argv, { elevate: c.elevated, timeoutMs: c.timeoutMs ?? 5 * 60_000 });
    if (r.code !== 0 && !c.optional) {
      const out = (r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n');
      throw new HardenLabError('REMOTE_COMMAND_FAILED', `\`${c.argv.join(' ')}\` failed (exit ${r.code ?? r.signal}): ${out}`);
    }
    ctx.log(`${r.code === 0 ? 'Ran' : 'Tried (optional, failed)'}: ${c.argv.join(' ')}`);
  }
}
