import type { PlanShape } from '../../../shared/domain';
import type { Profile } from '../../../shared/profile';
import { guardFor, type Guard } from '../deadman/guard';

/**
 * Which safety net protects a change, decided from the profile and the plan,
 * the same way for the preview (PlanShape.safetyNet) and the transaction:
 * a snapshot when the profile has a hypervisor VM, with the in-guest
 * dead-man's switch as a second layer when the plan warns of lock-out; the
 * switch alone when there is no hypervisor and the change is one it can take
 * back; otherwise none, and the change is refused.
 */
export type SafetyNet = NonNullable<PlanShape['safetyNet']> & { guard?: Guard };

export const DEFAULT_DEADMAN_SECONDS = 120;

/** HARDENLAB_DEADMAN_SECONDS, 20 to 3600; the default leaves room for a slow (TCG) guest's verify. */
export function deadmanSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.HARDENLAB_DEADMAN_SECONDS);
  return Number.isFinite(n) && n >= 20 && n <= 3600 ? Math.round(n) : DEFAULT_DEADMAN_SECONDS;
}

export interface NetPart {
  step: string;
  files: ReadonlyArray<{ path: string; before: string | null; mode?: string }>;
  commands: ReadonlyArray<{ argv: readonly string[] }>;
  packages?: { install: readonly string[]; remove: readonly string[] };
  rebootRequired?: boolean;
  warnings?: ReadonlyArray<{ kind: string }>;
}

export function safetyNetOf(profile: Pick<Profile, 'hypervisor'>, parts: readonly NetPart[], deadlineS: number, o: { needsSnapshot?: boolean } = {}): SafetyNet {
  const decision = guardFor(parts.map((p) => ({ step: p.step, files: p.files, commands: p.commands, packages: p.packages ?? { install: [], remove: [] }, rebootRequired: p.rebootRequired ?? false })));
  const lockout = parts.some((p) => p.warnings?.some((w) => w.kind === 'lockout-risk'));
  const switchWords = (g: Guard) =>
    `an in-guest dead-man's switch puts ${g.files.length === 1 ? g.files[0]!.path : `${g.files.length} files`} back${g.services.length ? ` and restarts ${g.services.join(', ')}` : ''} after ${deadlineS} s, unless a fresh login proves the change first`;
  if (profile.hypervisor) {
    if (lockout && decision.ok) return { kind: 'snapshot+switch', message: `A snapshot of the VM is taken first; as a second layer, ${switchWords(decision.guard)}.`, guard: decision.guard };
    return { kind: 'snapshot', message: 'A snapshot of the VM is taken first and restored if anything fails.' };
  }
  if (o.needsSnapshot) return { kind: 'none', message: 'No way back: this needs a hypervisor snapshot, and the profile is not linked to a VM.' };
  if (decision.ok) return { kind: 'switch', message: `No snapshot (the profile has no hypervisor VM): ${switchWords(decision.guard)}.`, guard: decision.guard };
  return { kind: 'none', message: `No way back: the profile has no hypervisor VM, and the dead-man's switch cannot take this change back (${decision.reason.replace(/\.$/, '')}).` };
}
