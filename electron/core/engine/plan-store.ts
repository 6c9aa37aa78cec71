import { planKeptAfter } from '../../../shared/plan-kept';
import type { PlanShape } from '../../../shared/domain';
import { HardenLabError } from '../errors';
import type { AnyStep, StepPlanDraft } from './step';

/** A preview the operator may apply: what was shown, with the facts and the draft it came from. */
export interface StoredPlan {
  plan: PlanShape;
  facts: unknown;
  draft: StepPlanDraft;
  step: AnyStep;
  profile: string;
  createdAt: number;
}

const PLAN_TTL_MS = 60 * 60_000;

/**
 * The previews made in this process, for an hour. A plan is used up by its
 * apply, unless the apply was refused before anything changed
 * (shared/plan-kept.ts).
 */
export class PlanStore<T extends { plan: { id: string }; profile: string; createdAt: number } = StoredPlan> {
  private readonly plans = new Map<string, T>();

  constructor(private readonly clock: () => number = Date.now) {}

  put(stored: Omit<T, 'createdAt'>): void {
    const now = this.clock();
    this.plans.set(stored.plan.id, { ...stored, createdAt: now } as T);
    for (const [k, v] of this.plans) if (now - v.createdAt > PLAN_TTL_MS) this.plans.delete(k);
  }

  /** The plan for an apply on this profile, or NOT_FOUND. */
  get(planId: string, profile: string): T {
    const stored = this.plans.get(planId);
    if (!stored || stored.profile !== profile || this.clock() - stored.createdAt > PLAN_TTL_MS) {
      throw new HardenLabError('NOT_FOUND', 'That plan is unknown or has expired.', { hint: 'Plan the step again, review it, then apply.' });
    }
    return stored;
  }

  /** Runs an apply of the plan: used up when it ends, kept when it was refused before any change. */
  async use<T>(planId: string, fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.plans.delete(planId);
      return result;
    } catch (e) {
      if (!(e instanceof HardenLabError && planKeptAfter(e.code))) this.plans.delete(planId);
      throw e;
    }
  }
}
