import { describe, expect, it } from 'vitest';
import { formatMs, ratio, summarize } from './stats';

describe('bench stats', () => {
  it('summarizes with the median, min and max', () => {
    expect(summarize([5, 1, 3])).toMatchObject({ runs: 3, medianMs: 3, minMs: 1, maxMs: 5 });
    expect(summarize([4, 1, 3, 2]).medianMs).toBe(2.5);
    expect(() => summarize([])).toThrow();
  });
  it('gives the peer/ours ratio of medians', () => {
    expect(ratio(summarize([10]), summarize([250]))).toBe(25);
    expect(ratio(summarize([10]), null)).toBeNull();
  });
  it('formats durations', () => {
    expect(formatMs(12)).toBe('12 ms');
    expect(formatMs(1234)).toBe('1.23 s');
    expect(formatMs(65_000)).toBe('65.0 s');
  });
});
