import { describe, expect, it } from 'vitest';
import { ChannelLimiter } from './limiter';
import { backoffDelay } from './backoff';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('ChannelLimiter', () => {
  it('never runs more than its capacity and serves waiters in order', async () => {
    const lim = new ChannelLimiter(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        lim.run(async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(i);
          await tick();
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(lim.inUse).toBe(0);
  });

  it('an aborted waiter leaves the queue without taking a slot', async () => {
    const lim = new ChannelLimiter(1);
    const release = await lim.acquire();
    const ctrl = new AbortController();
    const waiting = lim.acquire(ctrl.signal);
    expect(lim.queued).toBe(1);
    ctrl.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    expect(lim.queued).toBe(0);
    release();
    expect(lim.inUse).toBe(0);
    release(); // a second release is harmless
    expect(lim.inUse).toBe(0);
  });

  it('shrinking waits for running holders; growing lets waiters in', async () => {
    const lim = new ChannelLimiter(2);
    const r1 = await lim.acquire();
    const r2 = await lim.acquire();
    lim.setCapacity(1);
    let third = false;
    const p = lim.acquire().then((r) => ((third = true), r));
    r1();
    await tick();
    expect(third).toBe(false); // still 1 in use = capacity
    r2();
    (await p)();
    expect(third).toBe(true);
    lim.setCapacity(3);
    expect(lim.capacity).toBe(3);
  });
});

describe('backoffDelay', () => {
  it('starts quick, doubles, and is capped', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffDelay(a))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    expect(backoffDelay(3, { initialMs: 100, factor: 3, maxMs: 1000 })).toBe(1000);
    expect(backoffDelay(1, { initialMs: 100, factor: 3, maxMs: 1000 })).toBe(300);
  });
});
