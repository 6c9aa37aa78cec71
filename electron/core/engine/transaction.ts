import { randomBytes } from 'node:crypto';
import type { ApplyResultShape } from '../../../shared/domain';
import type { Profile } from '../../../shared/profile';
import { HardenLabError, toErrorInfo } from '../errors';
import type { ProgressLevel } from '../events';
import type { HypervisorDriver, Snapshot } from '../hypervisor/types';
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
 *   preflight -> snapshot -> journal intent -> apply (+ reboot) -> verify
 *                                                      |            |
 *                                   fails or times out v            v fails
 *                               restore snapshot -> reconnect -> prove the VM is back -> journal
 *
 * Nothing is applied without a snapshot to return to (a profile without a
 * hypervisor is refused), and the journal record of the intent is on disk
 * before the first change, so a crash leaves an open experiment that the
 * next start reports. Every phase is recorded by one function and the
 * outcome is journaled in one place.
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
}

type PhaseName = ApplyResultShape['phases'][number]['phase'];

export function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

const RISKY = new Set(['lockout-risk', 'irreversible-until-reboot', 'breaks-docker']);

export async function runTransaction(env: TransactionEnv, profile: Profile, stored: StoredPlan, confirmWarnings: boolean): Promise<ApplyResultShape> {
  const { plan, draft, step } = stored;
  const started = Date.now();
  const experimentId = `${stamp(env.now()).replace(/[-:]/g, '').slice(0, 15)}-${step.id}-${randomBytes(2).toString('hex')}`;
  const phases: ApplyResultShape['phases'] = [];
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
    env.progress('done', 'Nothing to change: the VM already has this setting.');
    return result('nothing-to-do', null, []);
  }
  const risky = (draft.warnings ?? []).filter((w) => RISKY.has(w.kind));
  if (risky.length > 0 && !confirmWarnings) {
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
    checks = await phase('verify', 'Proving that the change took effect and the VM is still reachable.', async () => {
      const own = await step.verify(draft, ctx);
      const login = await env.connections.freshLogin(profile);
      const all = [...own, { name: 'The VM still accepts a fresh login with elevation', ok: login.ok, evidence: login.evidence }];
      const failed = VerifyFailedError.from(all);
      if (failed) throw failed;
      return all;
    });
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
