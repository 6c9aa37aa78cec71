import { HardenLabError } from '../errors';
import { ChannelLimiter } from './limiter';

/** Sessions kept free for shells and for a verifying login beside the busy exec channels. */
const SESSION_HEADROOM = 2;

/**
 * How one connection shares the server's sessions (MaxSessions): terminal
 * shells take one each, the command runner one while it runs or starts, and
 * exec channels queue for the rest, never fewer than one. SshConnection owns
 * one; opening the channels themselves stays there.
 */
export class ChannelScheduler {
  private readonly limiter: ChannelLimiter;
  private shells = 0;

  constructor(
    private readonly maxSessions: number,
    /** Whether the command runner holds (or is taking) a session now. */
    private readonly runnerHeld: () => boolean,
  ) {
    this.limiter = new ChannelLimiter(Math.max(1, maxSessions - SESSION_HEADROOM));
  }

  stats(): { execCapacity: number; running: number; queued: number; shells: number } {
    return { execCapacity: this.limiter.capacity, running: this.limiter.inUse, queued: this.limiter.queued, shells: this.shells };
  }

  /** Shells take a session each and shrink the exec budget, never below one channel. */
  reserveShell(host: string): () => void {
    if (this.shells >= this.maxSessions - SESSION_HEADROOM) {
      throw new HardenLabError('BAD_INPUT', `At most ${this.maxSessions - SESSION_HEADROOM} terminals can share one connection to ${host}.`, {
        hint: 'Close a terminal tab first.',
      });
    }
    this.shells++;
    this.updateCapacity();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.shells--;
      this.updateCapacity();
    };
  }

  /** Exec channels allowed at once: the server's sessions minus headroom, terminals and the runner. */
  updateCapacity(): void {
    const runner = this.runnerHeld() ? 1 : 0;
    this.limiter.setCapacity(Math.max(1, this.maxSessions - SESSION_HEADROOM - this.shells - runner));
  }

  /** What the server showed it allows (its refusals while `busy` channels are open). */
  setCapacity(n: number): void {
    this.limiter.setCapacity(n);
  }

  /** A free exec slot, waiting until `deadline` (ms since epoch) or the signal; resolves to its release. */
  async acquire(deadline: number, label: string, signal: AbortSignal | undefined): Promise<() => void> {
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort(new HardenLabError('CANCELLED', `${label} was cancelled.`));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const timer =
      deadline === Infinity
        ? undefined
        : setTimeout(
            () =>
              ctrl.abort(
                new HardenLabError('TIMEOUT', `${label} waited for a free channel until its timeout and never started.`, {
                  hint: 'Too many commands are running on this connection; give it a longer timeout or run fewer at once.',
                }),
              ),
            Math.max(0, deadline - Date.now()),
          );
    try {
      return await this.limiter.acquire(ctrl.signal);
    } finally {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
