import { describe, expect, it } from 'vitest';
import { computeBackpressureAction } from './backpressure';

describe('computeBackpressureAction', () => {
  const H = 100;
  const L = 20;
  it('pauses at the high watermark, not before', () => {
    expect(computeBackpressureAction(99, H, L, false)).toBe('none');
    expect(computeBackpressureAction(100, H, L, false)).toBe('pause');
    expect(computeBackpressureAction(5000, H, L, false)).toBe('pause');
  });
  it('stays paused between the watermarks (no flapping) and resumes at or under the low one', () => {
    expect(computeBackpressureAction(99, H, L, true)).toBe('none');
    expect(computeBackpressureAction(21, H, L, true)).toBe('none');
    expect(computeBackpressureAction(20, H, L, true)).toBe('resume');
    expect(computeBackpressureAction(0, H, L, true)).toBe('resume');
  });
  it('never repeats an action it already took', () => {
    expect(computeBackpressureAction(500, H, L, true)).toBe('none');
    expect(computeBackpressureAction(0, H, L, false)).toBe('none');
  });
  it('a simulated flood pauses once and resumes once as the consumer drains', () => {
    let paused = false;
    let buffered = 0;
    const actions: string[] = [];
    const step = (delta: number) => {
      buffered += delta;
      const a = computeBackpressureAction(buffered, H, L, paused);
      if (a !== 'none') actions.push(a);
      if (a === 'pause') paused = true;
      if (a === 'resume') paused = false;
    };
    for (let i = 0; i < 12; i++) step(10); // producer
    for (let i = 0; i < 12; i++) step(-10); // consumer acks
    expect(actions).toEqual(['pause', 'resume']);
  });
});
