import type { Profile } from '../../../shared/profile';
import { HardenLabError, toErrorInfo } from '../errors';
import type { HypervisorDriver, Snapshot } from '../hypervisor/types';
import type { VerifyCheck } from './step';
import type { Connections, Target } from './target';

/**
 * The way back, one sequence for every caller (the automatic revert, a
 * revert of an experiment, a one-click snapshot restore): forget the old
 * connection, restore the snapshot, reconnect as soon as SSH answers, and,
 * when asked, prove the VM is as it was: each planned file has its old
 * content again and a fresh login with elevation works.
 */
export interface RecoveryDeps {
  connections: Connections;
  /** How long a restored VM may take to answer SSH again. */
  reconnectDeadlineMs?: number;
}

export interface RecoverOptions {
  /** Files whose content before the change must be back (the plan's before). */
  files?: ReadonlyArray<{ path: string; before: string | null }>;
  /** Prove a fresh login and the files; otherwise only reconnect. */
  prove: boolean;
  /** A restored VM that does not answer SSH is only reported (the restore itself succeeded). */
  sshOptional?: boolean;
  progress(phase: 'revert' | 'reconnect', message: string, percent?: number): void;
}

export interface Recovered {
  checks: VerifyCheck[];
  /** Why SSH did not come back, when sshOptional. */
  reconnectError?: string;
}

export async function recover(deps: RecoveryDeps, profile: Profile, driver: HypervisorDriver, vm: string, snapshot: Pick<Snapshot, 'id' | 'name'>, o: RecoverOptions): Promise<Recovered> {
  deps.connections.drop(profile);
  await driver.restoreSnapshot(vm, snapshot.id, { onProgress: (p) => o.progress('revert', p.message, p.percent) });
  o.progress('reconnect', 'Waiting for SSH on the restored VM.');
  let target: Target;
  try {
    target = await deps.connections.reconnect(profile, { deadlineMs: deps.reconnectDeadlineMs ?? 5 * 60_000, onProgress: (m) => o.progress('reconnect', m) });
  } catch (e) {
    if (o.sshOptional) return { checks: [], reconnectError: toErrorInfo(e).message };
    throw e;
  }
  if (!o.prove) return { checks: [] };
  return { checks: await proveBack(deps, profile, target, o.files ?? []) };
}

/** Each planned file has its content from before the change, and a fresh login with elevation works; VERIFY_FAILED otherwise. */
export async function proveBack(deps: RecoveryDeps, profile: Profile, target: Target, files: ReadonlyArray<{ path: string; before: string | null }>): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  for (const f of files) {
    const now = await target.readFile(f.path, { elevate: true });
    checks.push({ name: `${f.path} is back to its content before the change`, ok: now === f.before, evidence: now === f.before ? 'identical' : 'differs' });
  }
  const login = await deps.connections.freshLogin(profile);
  checks.push({ name: 'The restored VM accepts a fresh login with elevation', ok: login.ok, evidence: login.evidence });
  const bad = checks.filter((c) => !c.ok);
  if (bad.length) throw new HardenLabError('VERIFY_FAILED', `The VM was restored but is not as before: ${bad.map((c) => c.name).join('; ')}.`);
  return checks;
}
