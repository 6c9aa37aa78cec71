import { describe, expect, it } from 'vitest';
import { renderTable, type BenchReport } from './run';
import { summarize } from './stats';

const report = (figures: BenchReport['figures']): BenchReport => ({
  generatedAt: '2026-11-29T10:00:00.000Z',
  durationSeconds: 1,
  complete: true,
  machine: { cpus: 2 },
  lab: { accel: 'tcg', kernel: undefined, bootSeconds: 20 },
  figures,
});

describe('bench table', () => {
  it('shows medians with min-max and the ratio', () => {
    const ours = { what: 'x', ...summarize([1000, 2000, 3000]) };
    const peer = { what: 'y', ...summarize([20_000, 30_000, 40_000]) };
    const t = renderTable(report([{ id: 'a', title: 'A', ours, peer, ratio: 15, notes: [], errors: [] }]));
    expect(t).toContain('| A ');
    expect(t).toContain('2.00 s (1.00 s-3.00 s)');
    expect(t).toContain('30.0 s (20.0 s-40.0 s)');
    expect(t).toContain('15x');
  });

  it('says "failed" for a side whose every run failed, and has no ratio then', () => {
    const ours = { what: 'x', ...summarize([1000]) };
    const t = renderTable(report([{ id: 'a', title: 'A', ours, peer: null, ratio: null, notes: [], errors: ['run 1, peer: lynis printed no hardening index'] }]));
    expect(t).toMatch(/1\.00 s \(1\.00 s-1\.00 s\), 1 run \| failed\s+\| n\/a/);
  });
});
