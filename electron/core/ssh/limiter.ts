/**
 * A counting semaphore for SSH channels. sshd refuses sessions beyond
 * MaxSessions (10 by default) per connection, so callers queue here instead
 * of failing: first come, first served. A waiter that gives up (timeout or
 * abort) leaves the queue without taking a slot.
 */
export class ChannelLimiter {
  private active = 0;
  private readonly waiters: Array<{ grant: () => void }> = [];
  private cap: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('A channel limiter needs a capacity of at least 1.');
    this.cap = capacity;
  }

  get capacity(): number {
    return this.cap;
  }

  /** Changes how many may run at once; lowering it never interrupts running holders, it only delays new ones. */
  setCapacity(capacity: number): void {
    this.cap = Math.max(1, Math.floor(capacity));
    this.pump();
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.cap && this.waiters.length === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.active < this.cap && this.waiters.length > 0) this.waiters.shift()!.grant();
  }
}
