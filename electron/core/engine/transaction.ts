import { randomBytes } from 'node:crypto';
import type { Canary, CanaryComparison, CanaryResult } from '../../../shared/canary';
import type { ApplyResultShape, PlanShape } from '../../../shared/domain';
import type { Profile } from '../../../shared/profile';
import { HardenLabError, toErrorInfo } from '../errors';
import { sleep } from '../sleep';
import type { ProgressLevel } from '../events';
import type { HypervisorDriver, Snapshot } from '../hypervisor/types';
import { canaryChecks, compareCanaries, withRebootRun } from '../canaries/compare';
import { runCanaries } from '../canaries/run';
import { defaultApply } from './default-apply';
import type { Journal } from './journal';
import type { StoredPlan } from './plan-store';
import { readBootId } from './reboot';
import { recover, type RecoveryDeps } from './recovery';
import type { StepContext, VerifyCheck } from './step';
import type { Target } from './target';
import { VerifyFailedError } from './verify-failed';
import { withDeadline } from './deadline';
import { armSwitch, disarmSwitch, type ArmedSwitch } from '../deadman/switch';
import { recoverBySwitch } from './switch-recovery';
import { deadmanSeconds, safetyNetOf } from './safety-net';

/**
 * One change as a transaction:
 *
 *   preflight -> canaries (baseline) -> snapshot -> journal intent -> apply (+ reboot) -> verify (+ canaries) [-> reboot proof]
 *                                                                          |                  |                  |
 *                                                       fails or times out v                  v fails            v fails
 *                                                   restore snapshot -> reconnect -> prove the VM is back -> journal
 *
 * Nothing is applied without a way back: a snapshot, or on a profile without
 * a hypervisor the in-guest dead-man's switch (deadman/) for the changes it
 * can take back (file edits and service reloads; anything else is refused).
 * A change that warns of lock-out arms the switch after the snapshot as a
 * second layer; a verify that passed disarms it. The journal record of the intent is on disk
 * before the first change, so a crash leaves an open experiment that the
 * next start reports. Every phase is recorded by one function and the
 * outcome is journaled in one place.
 *
 * The canaries (canaries/) run before anything changes and again in verify:
 * one that passed before and fails after fails the verify, one that already
 * failed before is reported and left out. The reboot proof, when asked for,
 * reboots after a passing verify and runs the step's checks and the
 * canaries again: what held before the reboot must hold after it.
 */
export interface TransactionEnv extends RecoveryDeps {
  journal: Journal;
  driverFor(kind: NonNullable<Profile['hypervisor']>['kind']): Promise<HypervisorDriver>;
  now(): Date;
  defaultApplyTimeoutMs?: number;
  progress(phase: string, message: string, level?: ProgressLevel, percent?: number): void;
  journalChanged(profile: string): void;
  /** A step context on this target whose log goes to the given phase (and the journal). */
  context(target: Target, log: (m: string) => void): Promise<StepContext & { current(): Target }>;
  /** The profile's canaries (the built-in login is added by the runner). */
  canaries(): Promise<Canary[]>;
  /** The dead-man switch's deadline; HARDENLAB_DEADMAN_SECONDS or 120 s when absent. */
  deadmanSeconds?: number;
}

export interface TransactionOptions {
  confirmWarnings: boolean;
  proveReboot: boolean;
}

/** One step's share of a change: what was previewed, with the facts and the draft it came from. */
export type ChangePart = Pick<StoredPlan, 'plan' | 'facts' | 'draft' | 'step'>;

/**
 * What a transaction changes: one step (an apply), or every step of a policy
 * in order (a trial), proved together and reverted together.
 */
export interface ChangeSpec {
  /** The experiment's step: a step id, or "trial". */
  step: string;
  title: string;
  parts: ChangePart[];
  /** What the journal records as the plan (a trial's is every part's files and commands). */
  plan: PlanShape;
  /** A snapshot already taken of the VM as it is now (a trial from a baseline): no new one is taken. */
  baseline?: Snapshot;
  /** What every result of this change carries (a trial's description), once the snapshot to come back to is known. */
  info?(snapshot: Snapshot | null): Partial<ApplyResultShape>;
  /** Runs after everything was proved (a trial keeps its result as a snapshot); its result goes into the outcome. */
  afterVerified?(ctx: StepContext, snapshot: Snapshot | null): Promise<Partial<ApplyResultShape>>;
  /** Needs a hypervisor snapshot whatever the change (a trial keeps its result as one). */
  needsSnapshot?: boolean;
}

/** A spec for one step's plan. */
export function singleStep(stored: StoredPlan): ChangeSpec {
  return { step: stored.step.id, title: stored.step.title, parts: [stored], plan: stored.plan };
}

type PhaseName = ApplyResultShape['phases'][number]['phase'];

export function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

const SETTLE_MS = 3000;

const RISKY = new Set(['lockout-risk', 'irreversible-until-reboot', 'breaks-docker']);

export async function runTransaction(env: TransactionEnv, profile: Profile, spec: ChangeSpec, opts: TransactionOptions): Promise<ApplyResultShape> {
  const { plan, parts } = spec;
  const started = Date.now();
  const experimentId = `${stamp(env.now()).replace(/[-:]/g, '').slice(0, 15)}-${spec.step}-${randomBytes(2).toString('hex')}`;
  const phases: ApplyResultShape['phases'] = [];
  let canaries: CanaryComparison[] = [];
  let rebootProof: ApplyResultShape['rebootProof'];
  // The in-guest switch, when one is armed: what became of it goes in every result from then on.
  let deadman: ApplyResultShape['deadman'];
  let extra: Partial<ApplyResultShape> = spec.info?.(null) ?? {};
  const result = (outcome: ApplyResultShape['outcome'], snapshot: Snapshot | null, checks: VerifyCheck[], error?: unknown): ApplyResultShape => ({
    experimentId,
    step: spec.step,
    outcome,
    snapshot: snapshot ? { id: snapshot.id, name: snapshot.name } : null,
    checks,
    phases,
    ...(error !== undefined ? { error: toErrorInfo(error) } : {}),
    durationMs: Date.now() - started,
    ...(canaries.length ? { canaries } : {}),
    ...(rebootProof ? { rebootProof } : {}),
    ...extra,
    ...(deadman ? { deadman } : {}),
  });

  const changing = parts.filter((p) => !p.draft.nothingToDo);
  if (changing.length === 0) {
    env.progress('done', parts.length > 1 ? 'Nothing to change: the VM already has every setting of the policy.' : 'Nothing to change: the VM already has this setting.');
    return result('nothing-to-do', null, []);
  }
  const risky = changing.flatMap((p) => p.draft.warnings ?? []).filter((w) => RISKY.has(w.kind));
  if (risky.length > 0 && !opts.confirmWarnings) {
    throw new HardenLabError('CONFIRMATION_REQUIRED', `This change needs your confirmation: ${risky.map((w) => w.message).join(' ')}`, { hint: 'Review the warnings, then confirm.' });
  }
  const deadlineS = env.deadmanSeconds ?? deadmanSeconds();
  const net = safetyNetOf(profile, changing.map((p) => ({ step: p.step.id, ...p.draft })), deadlineS, { needsSnapshot: spec.needsSnapshot ?? false });
  if (net.kind === 'none') {
    throw new HardenLabError('NO_WAY_BACK', `The profile "${profile.name}" is not linked to a hypervisor VM, so there would be no snapshot to go back to. ${net.message}`, {
      hint: 'Link the profile to its VirtualBox or QEMU VM, then apply again.',
    });
  }
  if (!profile.hypervisor && opts.proveReboot) {
    throw new HardenLabError('NO_WAY_BACK', `The profile "${profile.name}" is not linked to a hypervisor VM: the reboot proof needs a snapshot, because the dead-man's switch does not outlive a reboot.`, {
      hint: 'Apply without --prove-reboot, or link the profile to its VM.',
    });
  }
  const driver = profile.hypervisor ? await env.driverFor(profile.hypervisor.kind) : null;
  const vm = profile.hypervisor?.vm ?? '';

  const phase = async <T>(name: PhaseName, message: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    env.progress(name, message);
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
    env.progress(phaseName, m);
    void env.journal.append(profile.name, { type: 'log', experimentId, at: env.now().toISOString(), phase: phaseName, message: m }).catch(() => undefined);
  };
  const finish = async (res: ApplyResultShape, message: string, level: ProgressLevel): Promise<ApplyResultShape> => {
    await env.journal.append(profile.name, { type: 'outcome', experimentId, at: env.now().toISOString(), result: res });
    env.journalChanged(profile.name);
    env.progress('done', message, level);
    return res;
  };

  const first = await env.context(await env.connections.target(profile), log('apply'));
  const ctx = first;

  // Before anything changes: the plan must still describe the VM, and each step's own preflight must pass.
  await phase('probe', 'Checking that the plan still matches the VM.', () => preflightParts(changing, ctx));

  const definitions = await env.canaries();
  const canaryRun = canaryRunner(env, profile, definitions);
  const baseline = await phase('canaries', `Running ${definitions.length + 1} canar${definitions.length ? 'ies' : 'y'} before the change.`, () => canaryRun.baseline(ctx));
  canaries = compareCanaries(baseline, null, definitions);
  for (const c of canaries.filter((x) => x.verdict === 'already-failing')) {
    env.progress('canaries', `Canary ${c.name} already fails before the change; it is reported and left out of the verdict.`, 'warn');
  }

  const snapshot: Snapshot | null = !driver
    ? null
    : (spec.baseline ??
      (await phase('snapshot', 'Taking a snapshot to come back to.', () =>
        driver.takeSnapshot(vm, `hl-${spec.step}-${stamp(env.now()).replace(/[TZ]/g, ' ').trim()}`.replace(/ /g, '_'), {
          description: `Harden Lab: before "${spec.title}" (experiment ${experimentId})`,
          live: true,
          onProgress: (p) => env.progress('snapshot', p.message, 'info', p.percent),
        }),
      )));
  extra = spec.info?.(snapshot) ?? {};
  // After the snapshot, so that restoring it also takes the switch away.
  let armed: ArmedSwitch | null = null;
  if (net.guard) {
    const guard = net.guard;
    armed = await phase('arm', `Arming the in-guest dead-man's switch: ${deadlineS} s to prove the change with a fresh login.`, () => armSwitch(ctx.target, experimentId, guard, { deadlineS, now: env.now() }));
    deadman = { unit: armed.layout.unit, manager: armed.manager, deadlineS, armedAt: armed.armedAt, outcome: 'not-restored' };
    log('arm')(`Armed ${armed.manager === 'systemd' ? `the systemd timer ${armed.layout.unit}.timer` : 'a detached sleeper'} in the guest: unless disarmed within ${deadlineS} s it puts back ${guard.files.map((f) => f.path).join(', ')}${guard.restart.length ? ` and runs ${guard.restart.map((r) => r.join(' ')).join(', ')}` : ''}.`);
  }
  await env.journal.append(profile.name, { type: 'intent', experimentId, at: env.now().toISOString(), profile: profile.name, step: spec.step, plan, snapshot: snapshot ? { id: snapshot.id, name: snapshot.name } : null });
  env.journalChanged(profile.name);
  const disarm = armed
    ? async (c: StepContext) => {
        const sw = armed!;
        const how = await disarmSwitch(c.target, sw);
        if (how === 'fired') {
          throw new HardenLabError('TIMEOUT', `The dead-man's switch fired before the change was proved (its deadline is ${deadlineS} s): it is putting the files back.`, { hint: 'Raise HARDENLAB_DEADMAN_SECONDS on a slow guest.' });
        }
        deadman = { ...deadman!, outcome: 'disarmed' };
        log('verify')('The fresh login proved the change: the dead-man switch is disarmed.');
      }
    : undefined;

  let checks: VerifyCheck[] = [];
  try {
    const proved = await applyAndProve(env, changing, { first, baseline, canaryRun, proveReboot: opts.proveReboot, phase, log, tagSteps: parts.length > 1, ...(disarm ? { afterVerify: disarm } : {}) });
    checks = proved.checks;
    canaries = proved.canaries;
    rebootProof = proved.rebootProof;
    if (spec.afterVerified) extra = { ...extra, ...(await spec.afterVerified(proved.ctx, snapshot)) };
  } catch (failure) {
    if (failure instanceof ProofFailed) {
      canaries = failure.canaries;
      rebootProof = failure.rebootProof;
    }
    const cause = failure instanceof ProofFailed ? failure.failure : failure;
    const failedChecks = cause instanceof VerifyFailedError ? cause.checks : checks;
    if (!snapshot || !driver) {
      const sw = armed!;
      env.progress('revert', `Something failed (${toErrorInfo(cause).message}); the in-guest dead-man's switch puts the change back.`, 'warn');
      try {
        const back = await phase('revert', 'Putting the change back with the dead-man switch.', () =>
          recoverBySwitch(env, profile, sw, { files: changing.flatMap((p) => p.draft.files), progress: (p, m) => log(p)(m) }),
        );
        deadman = { ...deadman!, outcome: 'restored', firedBy: back.firedBy, restoredAt: back.restoredAt };
        log('revert')(`Restored by the in-guest dead-man's switch (${back.firedBy === 'timer' ? `its own timer, at its ${deadlineS} s deadline` : 'fired by Harden Lab as soon as the change failed'}) at ${back.restoredAt} by the guest's clock.`);
        return await finish(result('reverted', null, [...failedChecks, ...back.checks], cause), 'The change was reverted by the in-guest dead-man switch: the files are back and a fresh login works.', 'warn');
      } catch (revertError) {
        return await finish(result('revert-failed', null, failedChecks, revertError), `The dead-man switch did not bring the VM back: ${toErrorInfo(revertError).message}. Reach it through its console.`, 'error');
      }
    }
    env.progress('revert', `Something failed (${toErrorInfo(cause).message}); restoring the snapshot "${snapshot.name}".`, 'warn');
    try {
      const back = await phase('revert', `Restoring "${snapshot.name}".`, () =>
        recover(env, profile, driver, vm, snapshot, { files: changing.flatMap((p) => p.draft.files), prove: true, progress: (p, m, percent) => env.progress(p, m, 'info', percent) }),
      );
      return await finish(result('reverted', snapshot, [...failedChecks, ...back.checks], cause), `The change was reverted: the VM is back at "${snapshot.name}".`, 'warn');
    } catch (revertError) {
      return await finish(
        result('revert-failed', snapshot, failedChecks, revertError),
        `The automatic revert failed: ${toErrorInfo(revertError).message}. Restore "${snapshot.name}" from the Snapshots panel.`,
        'error',
      );
    }
  }
  return finish(result('verified', snapshot, checks), `"${spec.title}" is applied and verified.`, 'info');
}

/** The plan still describes the VM (every file as it was previewed), and every step's own preflight passes. */
export async function preflightParts(parts: readonly ChangePart[], ctx: StepContext): Promise<void> {
  for (const { draft, step, facts } of parts) {
    for (const f of draft.files) {
      const now = await ctx.target.readFile(f.path, { elevate: true });
      if (now !== f.before) {
        throw new HardenLabError('PLAN_STALE', `${f.path} changed on the VM since the plan was made.`, { hint: 'Plan the step again to see the current difference.' });
      }
    }
    if (step.preflight) await step.preflight(facts, draft, ctx);
  }
}

export interface CanaryRunner {
  /** The run before the change; a failing login refuses the change while nothing has changed. */
  baseline(c: StepContext): Promise<CanaryResult[]>;
  /** A run after the change; one that regressed gets a second run a little later. */
  settled(phaseName: string, c: StepContext, before: readonly CanaryResult[]): Promise<CanaryResult[]>;
  definitions: Canary[];
}

export function canaryRunner(env: TransactionEnv, profile: Profile, definitions: Canary[]): CanaryRunner {
  const runAll = async (phaseName: string, c: StepContext): Promise<CanaryResult[]> => {
    const results = await runCanaries(definitions, { target: c.target, freshLogin: () => env.connections.freshLogin(profile), signal: c.signal });
    for (const r of results) env.progress(phaseName, `Canary ${r.name}: ${r.ok ? 'passes' : 'FAILS'} (${r.evidence})`, r.ok ? 'info' : 'warn');
    return results;
  };
  return {
    definitions,
    async baseline(c) {
      const results = await runAll('canaries', c);
      const login = results[0]!;
      // Without a working login before the change, the proof after it could never pass.
      if (!login.ok) throw new HardenLabError('CONNECT_FAILED', `A fresh login to ${profile.name} fails before any change, so the change could not be proved: ${login.evidence}`, { hint: 'Fix the login first (hardenlab canary run shows it), then apply again.' });
      return results;
    },
    // A canary that passed before and fails right after may be a service still restarting: one more run a little later decides.
    async settled(phaseName, c, before) {
      const first = await runAll(phaseName, c);
      const regressed = first.filter((r) => !r.ok && before.find((b) => b.name === r.name)?.ok);
      if (regressed.length === 0) return first;
      env.progress(phaseName, `${regressed.map((r) => r.name).join(', ')} failed right after the change; running the canaries once more in ${SETTLE_MS / 1000} s (a service may still be restarting).`, 'warn');
      await sleep(SETTLE_MS);
      return runAll(phaseName, c);
    },
  };
}

/** A failure of applyAndProve, with the canaries and the reboot proof as far as they got. */
export class ProofFailed extends Error {
  constructor(
    readonly failure: unknown,
    readonly canaries: CanaryComparison[],
    readonly rebootProof: ApplyResultShape['rebootProof'],
  ) {
    super(toErrorInfo(failure).message);
  }
}

interface ProveEnv {
  first: StepContext & { current(): Target };
  baseline: CanaryResult[];
  canaryRun: CanaryRunner;
  proveReboot: boolean;
  phase<T>(name: PhaseName, message: string, fn: () => Promise<T>): Promise<T>;
  log(phaseName: string): (m: string) => void;
  /** Several steps: each check says whose it is. */
  tagSteps: boolean;
  /** After a passing verify, before the reboot proof (the dead-man switch is disarmed there: it would not outlive the reboot). */
  afterVerify?(ctx: StepContext): Promise<void>;
}

/**
 * apply (+ reboot) -> verify (+ canaries) [-> reboot proof], for every part
 * in order. Throws ProofFailed when anything fails; the caller reverts.
 */
export async function applyAndProve(env: TransactionEnv, parts: readonly ChangePart[], p: ProveEnv): Promise<{ checks: VerifyCheck[]; canaries: CanaryComparison[]; rebootProof?: ApplyResultShape['rebootProof']; ctx: StepContext & { current(): Target } }> {
  const { first, baseline, canaryRun, phase, log } = p;
  const definitions = canaryRun.definitions;
  let ctx = first;
  let canaries = compareCanaries(baseline, null, definitions);
  let rebootProof: ApplyResultShape['rebootProof'];
  const tag = (step: string, list: VerifyCheck[]) => (p.tagSteps ? list.map((c) => ({ ...c, step })) : list);
  const verifyAll = async (c: StepContext) => {
    const out: VerifyCheck[] = [];
    for (const part of parts) out.push(...tag(part.step.id, await part.step.verify(part.draft, c)));
    return out;
  };
  try {
    for (const part of parts) {
      const { step, draft } = part;
      await phase('apply', `Applying "${step.title}".`, () =>
        withDeadline(step.applyTimeoutMs ?? env.defaultApplyTimeoutMs ?? 10 * 60_000, step.title, async () => {
          if (step.apply) await step.apply(draft, ctx);
          else await defaultApply(draft, ctx);
        }),
      );
    }
    if (parts.some((x) => x.draft.rebootRequired && !x.step.rebootsItself)) {
      await phase('reboot', 'Rebooting to take the change into use.', async () => {
        await ctx.reboot();
      });
    }
    // The verify is a new operation on the VM as it is now: its own facts, on the target after any reboot.
    ctx = await env.context(first.current(), log('verify'));
    let checks = await phase('verify', 'Proving that the change took effect, the VM is still reachable and the canaries still pass.', async () => {
      // The steps' own checks first: a service a step restarted (sshd, dockerd) has come back by the time the canaries run.
      const own = await verifyAll(ctx);
      const after = await canaryRun.settled('verify', ctx, baseline);
      canaries = compareCanaries(baseline, after, definitions);
      const all = [...own, ...canaryChecks(canaries)];
      const failed = VerifyFailedError.from(all);
      if (failed) throw failed;
      return all;
    });
    if (p.afterVerify) await p.afterVerify(ctx);
    if (p.proveReboot) {
      const held = checks;
      checks = await phase('reboot-proof', 'Rebooting to prove that the change survives a boot.', async () => {
        const bootIdBefore = await readBootId(ctx.target);
        await ctx.reboot();
        ctx = await env.context(ctx.current(), log('reboot-proof'));
        const bootIdAfter = await readBootId(ctx.target);
        const own = await verifyAll(ctx);
        const again = await canaryRun.settled('reboot-proof', ctx, baseline);
        canaries = withRebootRun(canaries, again);
        const now = [
          ...own.map((c) => (c.untilReboot && !c.ok ? { ...c, ok: true, evidence: `gone after the reboot, as planned (it holds only until a boot): ${c.evidence}` } : c)),
          ...canaryChecks(canaries, 'afterReboot'),
        ];
        const heldNames = new Set(held.filter((c) => c.ok).map((c) => `${c.step ?? ''}\0${c.name}`));
        const lost = now.filter((c) => !c.ok && heldNames.has(`${c.step ?? ''}\0${c.name}`));
        const reasons: string[] = [];
        for (const part of parts) {
          const mine = lost.filter((c) => !p.tagSteps || c.step === part.step.id);
          if (mine.length && part.step.explainRebootLoss) reasons.push(...(await part.step.explainRebootLoss(mine, part.draft, ctx).catch((e: unknown) => [`(the reason could not be looked up: ${toErrorInfo(e).message})`])));
        }
        rebootProof = { bootIdBefore, bootIdAfter, ok: lost.length === 0 && bootIdBefore !== bootIdAfter, lost: lost.map((c) => c.name), reasons };
        const marked = now.map((c) => (lost.includes(c) ? { ...c, name: `${c.name} (after the reboot)`, evidence: `held before the reboot; after it: ${c.evidence}` } : c));
        const failed = VerifyFailedError.from(marked, `Does not survive a reboot${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
        if (failed) throw failed;
        return marked;
      });
    }
    return { checks, canaries, ...(rebootProof ? { rebootProof } : {}), ctx };
  } catch (e) {
    throw new ProofFailed(e, canaries, rebootProof);
  }
}
