import { HardenLabError } from '../errors';

/**
 * Long operations (lab build, apply, restore) run under an AbortController
 * registered by the caller's opId, so `op.cancel` can stop them where that is
 * safe. Code that must not be interrupted (a restore in progress) simply does
 * not look at the signal during that phase.
 */
export class Operations {
  private running = new Map<string, AbortController>();

  begin(opId: string | undefined): { signal: AbortSignal; end: () => void } {
    const controller = new AbortController();
    if (opId === undefined) return { signal: controller.signal, end: () => undefined };
    if (this.running.has(opId)) throw new HardenLabError('BAD_INPUT', `An operation with id ${opId} is already running.`);
    this.running.set(opId, controller);
    return { signal: controller.signal, end: () => this.running.delete(opId) };
  }

  cancel(opId: string): boolean {
    const c = this.running.get(opId);
    if (!c) return false;
    c.abort(new HardenLabError('CANCELLED', 'Cancelled by the user.'));
    return true;
  }
}
