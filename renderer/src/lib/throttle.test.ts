import { describe, expect, it } from 'vitest';
import { throttle } from './throttle';

function fakeTimers() {
  let now = 0;
  const queue: Array<{ at: number; cb: () => void; id: number }> = [];
  let id = 0;
  return {
    now: () => now,
    setTimeout: (cb: () => void, ms: number) => {
      queue.push({ at: now + ms, cb, id: ++id });
      return id;
    },
    clearTimeout: (h: unknown) => {
      const i = queue.findIndex((q) => q.id === h);
      if (i >= 0) queue.splice(i, 1);
    },
    advance(ms: number) {
      now += ms;
      for (;;) {
        const due = queue.filter((q) => q.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        queue.splice(queue.indexOf(due), 1);
        due.cb();
      }
    },
  };
}

describe('throttle', () => {
  it('sends the first call at once and only the last of a burst after the wait', () => {
    const t = fakeTimers();
    const sent: Array<[number, number]> = [];
    const resize = throttle((c: number, r: number) => sent.push([c, r]), 100, t);
    resize(80, 24);
    for (let i = 1; i <= 10; i++) {
      t.advance(5);
      resize(80 + i, 24);
    }
    expect(sent).toEqual([[80, 24]]);
    t.advance(100);
    expect(sent).toEqual([
      [80, 24],
      [90, 24],
    ]);
    // A burst longer than the wait sends one size per wait, not one per event.
    for (let i = 1; i <= 40; i++) {
      t.advance(5);
      resize(200 + i, 50);
    }
    expect(sent.length).toBeLessThanOrEqual(4);
    t.advance(500);
    expect(sent.at(-1)).toEqual([240, 50]);
    t.advance(500);
    resize(120, 40);
    expect(sent.at(-1)).toEqual([120, 40]);
  });

  it('cancel drops a pending call; flush sends it now', () => {
    const t = fakeTimers();
    const sent: number[] = [];
    const f = throttle((n: number) => sent.push(n), 100, t);
    f(1);
    f(2);
    f.cancel();
    t.advance(200);
    expect(sent).toEqual([1]);
    f(3);
    f(4);
    f.flush();
    expect(sent).toEqual([1, 3, 4]);
  });
});
