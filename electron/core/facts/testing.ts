import type { StepContext } from '../engine/step';
import { createFacts } from './cache';

/**
 * A step context for tests whose fake target changes between probes (a plan
 * applied to a copy): every read of `facts` is a new operation's cache, as
 * the engine gives each preview, apply and verify its own.
 */
export function withFreshFacts(ctx: Omit<StepContext, 'facts'>): StepContext {
  return Object.defineProperty(ctx, 'facts', {
    get: () => createFacts(() => ctx.target, { distro: ctx.distro, host: ctx.profile.host, user: ctx.profile.user }),
    enumerable: true,
  }) as StepContext;
}
