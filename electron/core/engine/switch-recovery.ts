import type { Profile } from '../../../shared/profile';
import { fireSwitch, readRestored, removeSwitch, type ArmedSwitch } from '../deadman/switch';
import { HardenLabError, toErrorInfo } from '../errors';
import { sleep } from '../sleep';
import { withDeadline } from './deadline';
import { proveBack, type RecoveryDeps } from './recovery';
import type { VerifyCheck } from './step';

const POLL_MS = 3000;
/** After the deadline: time for the switch to run and for sshd to restart. */
const GRACE_MS = 90_000;

/**
 * The way back without a snapshot: fire the guest's switch at once when the
 * guest still answers (otherwise its own timer fires at the deadline, whatever
 * happened to SSH or sshd), wait until a fresh login works again, then prove
 * what the switch did: it ran and every part of it worked, each file has its
 * old content, and the login works with elevation.
 */
export async function recoverBySwitch(
  deps: RecoveryDeps,
  profile: Profile,
  sw: ArmedSwitch,
  o: { files: ReadonlyArray<{ path: string; before: string | null }>; progress(phase: 'revert' | 'reconnect', message: string): void; signal?: AbortSignal },
): Promise<{ checks: VerifyCheck[]; firedBy: 'timer' | 'engine'; restoredAt: string }> {
  try {
    await withDeadline(30_000, 'Reaching the guest to fire the switch', async () => fireSwitch(await deps.connections.target(profile), sw));
    o.progress('revert', 'Fired the dead-man switch in the guest now, rather than at its deadline.');
  } catch (e) {
    o.progress('revert', `The guest cannot be reached (${toErrorInfo(e).message}): its switch fires by itself in ${Math.max(0, Math.round((sw.firesAt - Date.now()) / 1000))} s.`);
  }
  deps.connections.drop(profile);
  const until = Math.max(sw.firesAt, Date.now()) + GRACE_MS;
  for (;;) {
    const login = await deps.connections.freshLogin(profile, { timeoutMs: 15_000 });
    if (login.ok) break;
    if (Date.now() > until) throw new HardenLabError('TIMEOUT', `No fresh login worked within ${Math.round(GRACE_MS / 1000)} s after the switch's deadline: ${login.evidence}`, { hint: "Reach the guest through its console; the switch's files are in /var/lib/hardenlab/deadman." });
    const left = Math.round((sw.firesAt - Date.now()) / 1000);
    o.progress('reconnect', `Waiting for the switch${left > 0 ? ` (its timer fires in ${left} s)` : ''}: ${login.evidence}`);
    await sleep(POLL_MS, o.signal);
  }
  const target = await deps.connections.reconnect(profile, { deadlineMs: 60_000, onProgress: (m) => o.progress('reconnect', m) });
  // A login that never stopped working (a canary broke, not sshd) can come back before the switch has run.
  let done = await readRestored(target, sw);
  while (!done && Date.now() < until) {
    await sleep(POLL_MS, o.signal);
    done = await readRestored(target, sw);
  }
  if (!done) throw new HardenLabError('VERIFY_FAILED', `The dead-man switch in ${sw.layout.dir} did not run by its deadline.`);
  const checks: VerifyCheck[] = [{ name: "The dead-man's switch put the change back", ok: done.ok, evidence: `run by ${done.by === 'timer' ? 'its timer' : 'Harden Lab'} at ${done.at}${done.ok ? '' : '; one of its parts failed'}` }];
  if (!done.ok) throw new HardenLabError('VERIFY_FAILED', `The dead-man switch ran at ${done.at}, but one of its parts failed.`, { hint: `Its script is ${sw.layout.script} on the guest.` });
  checks.push(...(await proveBack(deps, profile, target, o.files)));
  await removeSwitch(target, sw);
  return { checks, firedBy: done.by, restoredAt: done.at };
}
