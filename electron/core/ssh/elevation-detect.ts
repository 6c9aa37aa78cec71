import type { Profile } from '../../../shared/profile';
import type { SecretKind } from '../secrets/secret-store';
import { ELEVATION_PROBE, chooseElevation, factsFromProbe, type ElevationFacts, type ElevationMode, type ElevationReport } from './elevation';
import type { ProbeResults } from './probe';

/** What detection needs from a connection (kept narrow so the detection logic is testable without one). */
export interface ElevationTarget {
  readonly profile: Pick<Profile, 'elevation'>;
  probe(commands: Record<string, readonly string[]>, opts?: { timeoutMs?: number }): Promise<ProbeResults>;
  exec(argv: readonly string[], opts?: { stdin?: string; timeoutMs?: number }): Promise<{ code: number | null }>;
  getSecret(kind: SecretKind): Promise<string | undefined>;
}

/**
 * Detects how to become root: one probe for uid, sudo -n, doas -n and the
 * tools present; then, only when sudo needs a password and one is stored,
 * one `sudo -k -S -p '' true` with the password on stdin to verify it, so a
 * wrong password is found here and not in the middle of a file write.
 */
export async function inspectElevation(conn: ElevationTarget): Promise<ElevationReport> {
  const pref = conn.profile.elevation;
  const base = factsFromProbe(await conn.probe(ELEVATION_PROBE, { timeoutMs: 30_000 }));
  const facts: ElevationFacts = { ...base, sudoPasswordWorks: null };
  const sudoAllowed = pref === 'auto' || pref === 'sudo';
  const doasWins = (pref === 'auto' || pref === 'doas') && base.doasNoPassword;
  if (base.uid !== 0 && sudoAllowed && base.sudoInstalled && !base.sudoNoPassword && !doasWins) {
    const password = await conn.getSecret('password');
    if (password !== undefined && !/[\r\n]/.test(password)) {
      const r = await conn.exec(['sudo', '-k', '-S', '-p', '', '--', 'true'], { stdin: password + '\n', timeoutMs: 30_000 });
      facts.sudoPasswordWorks = r.code === 0;
    }
  }
  return chooseElevation(facts, pref);
}

export async function detectElevation(conn: ElevationTarget): Promise<ElevationMode> {
  return (await inspectElevation(conn)).mode;
}
