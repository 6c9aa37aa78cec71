import { randomBytes } from 'node:crypto';
import type { Canary, CanaryComparison, CanaryResult } from '../../../shared/canary';
import type { ApplyResultShape } from '../../../shared/domain';
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
import { recover, type RecoveryDeps } from './recovery';
import type { StepContext, VerifyCheck } from './step';
import type { Target } from './target';
import { VerifyFailedError } from './verify-failed';

/**
 * One change as a transaction:
 *
 *   preflight -> canaries (baseline) -> snapshot -> journal intent -> apply (+ reboot) -> verify (+ canaries) [-> reboot proof]
 *                                                                          |                  |                  |
 *                                                       fails or times out v                  v fails            v fails
 *                                                   restore snapshot -> reconnect -> prove the VM is back -> journal
 *
 * Nothing is applied without a snapshot to return to (a profile without a
 * hypervisor is refused), and the journal record of the intent is on disk
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
}

export interface TransactionOptions {
  confirmWarnings: boolean;
  proveReboot: boolean;
}

type PhaseName = ApplyResultShape['phases'][number]['phase'];

export function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

const SETTLE_MS = 3000;

const RISKY = new Set(['lockout-risk', 'irreversible-until-reboot', 'breaks-docker']);

export async function runTransaction(env: TransactionEnv, profile: Profile, stored: StoredPlan, opts: TransactionOptions): Promise<ApplyResultShape> {
  const { plan, draft, step } = stored;
  const started = Date.now();
  const experimentId = `${stamp(env.now()).replace(/[-:]/g, '').slice(0, 15)}-${step.id}-${randomBytes(2).toString('hex')}`;
  const phases: ApplyResultShape['phases'] = [];
  let canaries: CanaryComparison[] = [];
  let rebootProof: ApplyResultShape['rebootProof'];
  const result = (outcome: ApplyResultShape['outcome'], snapshot: Snapshot | null, checks: VerifyCheck[], error?: unknown): ApplyResultShape => ({
    experimentId,
    step: step.id,
    outcome,
    snapshot: snapshot ? { id: snapshot.id, name: snapshot.name } : null,
    checks,
    phases,
    ...(error !== undefined ? { error: toErrorInfo(error) } : {}),
    durationMs: Date.now() - started,
    ...(canaries.length ? { canaries } : {}),
    ...(rebootProof ? { rebootProof } : {}),
  });

  if (draft.nothingToDo) {
    env.progress('done', 'Nothing to change: the VM already has this setting.');
    return result('nothing-to-do', null, []);
  }
  const risky = (draft.warnings ?? []).filter((w) => RISKY.has(w.kind));
  if (risky.length > 0 && !opts.confirmWarnings) {
    throw new HardenLabError('CONFIRMATION_REQUIRED', `This change needs your confirmation: ${risky.map((w) => w.message).join(' ')}`, { hint: 'Review the warnings, then confirm.' });
  }
  if (!profile.hypervisor) {
    throw new HardenLabError('NO_WAY_BACK', `The profile "${profile.name}" is not linked to a hypervisor VM, so there would be no snapshot to go back to.`, {
      hint: 'Link the profile to its VirtualBox or QEMU VM, then apply again.',
    });
  }
  const driver = await env.driverFor(profile.hypervisor.kind);
  const vm = profile.hypervisor.vm;

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
  let ctx = first;

  // Before anything changes: the plan must still describe the VM, and the step's own preflight must pass.
  await phase('probe', 'Checking that the plan still matches the VM.', async () => {
    for (const f of draft.files) {
      const now = await ctx.target.readFile(f.path, { elevate: true });
      if (now !== f.before) {
        throw new HardenLabError('PLAN_STALE', `${f.path} changed on the VM since the plan was made.`, { hint: 'Plan the step again to see the current difference.' });
      }
    }
    if (step.preflight) await step.preflight(stored.facts, draft, ctx);
  });

  const definitions = await env.canaries();
  const runAll = async (phaseName: string, c: StepContext): Promise<CanaryResult[]> => {
    const results = await runCanaries(definitions, { target: c.target, freshLogin: () => env.connections.freshLogin(profile), signal: c.signal });
    for (const r of results) env.progress(phaseName, `Canary ${r.name}: ${r.ok ? 'passes' : 'FAILS'} (${r.evidence})`, r.ok ? 'info' : 'warn');
    return results;
  };
  // A canary that passed before and fails right after may be a service still restarting: one more run a little later decides.
  const settledRun = async (phaseName: string, c: StepContext): Promise<CanaryResult[]> => {
    const first = await runAll(phaseName, c);
    const regressed = first.filter((r) => !r.ok && baseline.find((b) => b.name === r.name)?.ok);
    if (regressed.length === 0) return first;
    env.progress(phaseName, `${regressed.map((r) => r.name).join(', ')} failed right after the change; running the canaries once more in ${SETTLE_MS / 1000} s (a service may still be restarting).`, 'warn');
    await sleep(SETTLE_MS);
    return runAll(phaseName, c);
  };
  const baseline = await phase('canaries', `Running ${definitions.length + 1} canar${definitions.length ? 'ies' : 'y'} before the change.`, async () => {
    const results = await runAll('canaries', ctx);
    const login = results[0]!;
    // Without a working login before the change, the proof after it could never pass: refuse while nothing has changed.
    if (!login.ok) throw new HardenLabError('CONNECT_FAILED', `A fresh login to ${profile.name} fails before any change, so the change could not be proved: ${login.evidence}`, { hint: 'Fix the login first (hardenlab canary run shows it), then apply again.' });
    return results;
  });
  canaries = compareCanaries(baseline, null, definitions);
  for (const c of canaries.filter((x) => x.verdict === 'already-failing')) {
    env.progress('canaries', `Canary ${c.name} already fails before the change; it is reported and left out of the verdict.`, 'warn');
  }

  const snapshot = await phase('snapshot', 'Taking a snapshot to come back to.', () =>
    driver.takeSnapshot(vm, `hl-${step.id}-${stamp(env.now()).replace(/[TZ]/g, ' ').trim()}`.replace(/ /g, '_'), {
      description: `Harden Lab: before "${step.title}" (experiment ${experimentId})`,
      live: true,
      onProgress: (p) => env.progress('snapshot', p.message, 'info', p.percent),
    }),
  );
  await env.journal.append(profile.name, { type: 'intent', experimentId, at: env.now().toISOString(), profile: profile.name, step: step.id, plan, snapshot: { id: snapshot.id, name: snapshot.name } });
  env.journalChanged(profile.name);

  let checks: VerifyCheck[] = [];
  try {
    await phase('apply', `Applying "${step.title}".`, () =>
      withDeadline(step.applyTimeoutMs ?? env.defaultApplyTimeoutMs ?? 10 * 60_000, step.title, async () => {
        if (step.apply) await step.apply(draft, ctx);
        else await defaultApply(draft, ctx);
      }),
    );
    if (draft.rebootRequired && !step.rebootsItself) {
      await phase('reboot', 'Rebooting to take the change into use.', async () => {
        await ctx.reboot();
      });
    }
    // The verify is a new operation on the VM as it is now: its own facts, on the target after any reboot.
    ctx = await env.context(first.current(), log('verify'));
    checks = await phase('verify', 'Proving that the change took effect, the VM is still reachable and the canaries still pass.', async () => {
      // The step's own checks first: a service it restarted (sshd, dockerd) has come back by the time the canaries run.
      const own = await step.verify(draft, ctx);
      const after = await settledRun('verify', ctx);
      canaries = compareCanaries(baseline, after, definitions);
      const all = [...own, ...canaryChecks(canaries)];
      const failed = VerifyFailedError.from(all);
      if (failed) throw failed;
      return all;
    });
    if (opts.proveReboot) {
      const held = checks;
      checks = await phase('reboot-proof', 'Rebooting to prove that the change survives a boot.', async () => {
        const bootIdBefore = await bootId(ctx.target);
        await ctx.reboot();
        ctx = await env.context(ctx.current(), log('reboot-proof'));
        const bootIdAfter = await bootId(ctx.target);
        const own = await step.verify(draft, ctx);
        const again = await settledRun('reboot-proof', ctx);
        canaries = withRebootRun(canaries, again);
        const now = [
          ...own.map((c) => (c.untilReboot && !c.ok ? { ...c, ok: true, evidence: `gone after the reboot, as planned (it holds only until a boot): ${c.evidence}` } : c)),
          ...canaryChecks(canaries, 'afterReboot'),
        ];
        const heldNames = new Set(held.filter((c) => c.ok).map((c) => c.name));
        const lost = now.filter((c) => !c.ok && heldNames.has(c.name));
        const reasons = lost.length && step.explainRebootLoss ? await step.explainRebootLoss(lost, draft, ctx).catch((e: unknown) => [`(the reason could not be looked up: ${toErrorInfo(e).message})`]) : [];
        rebootProof = { bootIdBefore, bootIdAfter, ok: lost.length === 0 && bootIdBefore !== bootIdAfter, lost: lost.map((c) => c.name), reasons };
        const marked = now.map((c) => (lost.includes(c) ? { ...c, name: `${c.name} (after the reboot)`, evidence: `held before the reboot; after it: ${c.evidence}` } : c));
        const failed = VerifyFailedError.from(marked, `Does not survive a reboot${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
        if (failed) throw failed;
        return marked;
      });
    }
  } catch (failure) {
    const failedChecks = failure instanceof VerifyFailedError ? failure.checks : checks;
    env.progress('revert', `Something failed (${toErrorInfo(failure).message}); restoring the snapshot "${snapshot.name}".`, 'warn');
    try {
      const back = await phase('revert', `Restoring "${snapshot.name}".`, () =>
        recover(env, profile, driver, vm, snapshot, { files: draft.files, prove: true, progress: (p, m, percent) => env.progress(p, m, 'info', percent) }),
      );
      return await finish(result('reverted', snapshot, [...failedChecks, ...back.checks], failure), `The change was reverted: the VM is back at "${snapshot.name}".`, 'warn');
    } catch (revertError) {
      return await finish(
        result('revert-failed', snapshot, failedChecks, revertError),
        `The automatic revert failed: ${toErrorInfo(revertError).message}. Restore "${snapshot.name}" from the Snapshots panel.`,
        'error',
      );
    }
  }
  return finish(result('verified', snapshot, checks), `"${step.title}" is applied and verified.`, 'info');
}

async function bootId(target: Target): Promise<string> {
  return (await target.readFile('/proc/sys/kernel/random/boot_id'))?.trim() ?? '';
}

async function withDeadline<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
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
