import { describe, expect, it } from 'vitest';
import { bisect, BisectCancelled, halves, roundBound } from './bisect';

const units = (n: number) => Array.from({ length: n }, (_, i) => `sysctl:k${i}`);
/** A VM where the trial breaks when every unit of one of these sets is applied. */
const oracle = (breaking: string[][]) => async (tried: string[]) => ({ broke: breaking.some((set) => set.every((u) => tried.includes(u))), failed: [] });

describe('bisection of a failed trial', () => {
  it.each([1, 2, 3, 5, 8, 17, 18, 33, 64])('names a single culprit among %i in at most ceil(log2 N) + 1 rounds, wherever it is', async (n) => {
    for (let at = 0; at < n; at++) {
      const all = units(n);
      const r = await bisect(all, oracle([[all[at]!]]));
      expect(r.culprit).toEqual([all[at]]);
      expect(r.combination).toBe(false);
      expect(r.rounds.length).toBeLessThanOrEqual(roundBound(n));
    }
  });

  it('reports a combination when no unit breaks it alone, with the smallest set seen to break', async () => {
    const all = units(8);
    // k1 and k6 break it only together: every half holds, the inferred single one too.
    const r = await bisect(all, oracle([['sysctl:k1', 'sysctl:k6']]));
    expect(r.combination).toBe(true);
    expect(r.culprit).toEqual(all);
    const inHalf = await bisect(all, oracle([['sysctl:k0', 'sysctl:k2']]));
    expect(inHalf).toMatchObject({ combination: true, culprit: ['sysctl:k0', 'sysctl:k1', 'sysctl:k2', 'sysctl:k3'] });
  });

  it('records each round with what it tried and what broke, and stops at a cancel between rounds', async () => {
    const all = units(4);
    const seen: string[][] = [];
    const r = await bisect(all, async (tried) => ({ broke: tried.includes('sysctl:k3'), failed: tried.includes('sysctl:k3') ? ['Canary "tool"'] : [] }), { onRound: (x) => seen.push(x.tried) });
    expect(r.rounds.map((x) => [x.round, x.outcome, x.failed])).toEqual([
      [1, 'held', []],
      [2, 'held', []],
      [3, 'broke', ['Canary "tool"']],
    ]);
    expect(seen).toEqual([['sysctl:k0', 'sysctl:k1'], ['sysctl:k2'], ['sysctl:k3']]);

    const ac = new AbortController();
    const cut = bisect(units(16), async () => (ac.abort(), { broke: false, failed: [] }), { signal: ac.signal });
    await expect(cut).rejects.toBeInstanceOf(BisectCancelled);
    await cut.catch((e: BisectCancelled) => expect(e.rounds).toHaveLength(1));
  });

  it('splits with the larger half first', () => {
    expect(halves([1, 2, 3])).toEqual([[1, 2], [3]]);
    expect(roundBound(18)).toBe(6);
  });
});
