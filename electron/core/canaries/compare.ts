import { LOGIN_CANARY, type Canary, type CanaryComparison, type CanaryResult, type CanaryVerdict } from '../../../shared/canary';
import type { VerifyCheck } from '../engine/step';

/**
 * Pure: the canaries across a change. A canary that passed before and fails
 * after is a broken canary and fails the verify; one that already failed
 * before is reported and left out of the verdict, since the change did not
 * break it.
 */
export function compareCanaries(before: readonly CanaryResult[], after: readonly CanaryResult[] | null, definitions: readonly Canary[]): CanaryComparison[] {
  const afterBy = new Map((after ?? []).map((r) => [r.name, r]));
  return before.map((b) => {
    const a = after ? (afterBy.get(b.name) ?? null) : null;
    const verdict: CanaryVerdict = a === null ? (b.ok ? 'not-run' : 'already-failing') : b.ok ? (a.ok ? 'held' : 'broke') : a.ok ? 'recovered' : 'already-failing';
    const definition = definitions.find((d) => d.name === b.name);
    return {
      name: b.name,
      kind: b.kind,
      before: { ok: b.ok, evidence: b.evidence },
      after: a ? { ok: a.ok, evidence: a.evidence } : null,
      verdict,
      ...(definition ? { definition } : {}),
    };
  });
}

/** Adds the run after a reboot: a canary that held through the change and fails after the reboot "broke after reboot". */
export function withRebootRun(compared: readonly CanaryComparison[], afterReboot: readonly CanaryResult[]): CanaryComparison[] {
  const by = new Map(afterReboot.map((r) => [r.name, r]));
  return compared.map((c) => {
    const r = by.get(c.name);
    if (!r) return c;
    const verdict: CanaryVerdict = c.verdict === 'held' && !r.ok ? 'broke-after-reboot' : c.verdict;
    return { ...c, afterReboot: { ok: r.ok, evidence: r.evidence }, verdict };
  });
}

const LABEL = (name: string) => (name === LOGIN_CANARY ? 'The VM still accepts a fresh login with elevation' : `Canary "${name}" still passes`);

/** The verify checks the canaries contribute: every canary that counts, with its evidence before and after. */
export function canaryChecks(compared: readonly CanaryComparison[], which: 'after' | 'afterReboot' = 'after'): VerifyCheck[] {
  return compared
    .filter((c) => c.before.ok || c.kind === 'login')
    .flatMap((c) => {
      const now = which === 'after' ? c.after : c.afterReboot;
      if (!now) return [];
      return [{ name: LABEL(c.name), ok: now.ok, evidence: now.ok ? now.evidence : `before: ${c.before.evidence}; ${which === 'after' ? 'after' : 'after the reboot'}: ${now.evidence}` }];
    });
}
