import { describe, expect, it } from 'vitest';
import type { ExperimentShape } from '../../../../shared/domain';
import { trialsOf } from './trialList';

const score = { passed: 10, total: 20, percent: 50 };
function experiment(id: string, startedAt: string, result: Partial<NonNullable<ExperimentShape['result']>> | undefined): ExperimentShape {
  return {
    id,
    profile: 'lab',
    step: result?.step ?? 'trial',
    status: 'verified',
    startedAt,
    snapshot: null,
    log: [],
    ...(result ? { result: { experimentId: id, step: 'trial', outcome: 'verified', snapshot: null, checks: [], phases: [], durationMs: 1000, ...result } } : {}),
  };
}
const trial = (name: string, resultSnapshot: { id: string; name: string } | null) => ({
  policy: { name, version: 1, title: name.toUpperCase() },
  without: [],
  steps: ['sysctl'],
  units: ['sysctl:kernel.kptr_restrict'],
  baseline: { id: '1', name: 'base' },
  resultSnapshot,
  auditBefore: score,
  files: [],
  ...(resultSnapshot ? { auditAfter: { score: { passed: 12, total: 20, percent: 60 }, checks: [] } } : {}),
});

describe('trialsOf', () => {
  it('lists the trials newest first, leaves out plain steps and bisections, and keeps what the table shows', () => {
    const rows = trialsOf([
      experiment('a', '2026-12-04T10:00:00Z', { trial: trial('kspp', { id: '7', name: 'trial-kspp-1' }) }),
      experiment('b', '2026-12-04T11:00:00Z', { step: 'ssh' }),
      experiment('c', '2026-12-04T12:00:00Z', { trial: trial('guide', null), outcome: 'reverted' }),
      experiment('d', '2026-12-04T13:00:00Z', {
        step: 'bisect',
        outcome: 'reverted',
        bisection: { experimentId: 'd', policy: { name: 'guide', version: 1, title: 'G' }, baseline: { id: '1', name: 'base' }, units: [], rounds: [], culprit: [], combination: false, roundBound: 1, suggestion: { without: [] }, outcome: 'found', durationMs: 1 },
      }),
      experiment('e', '2026-12-04T14:00:00Z', undefined),
    ]);
    expect(rows.map((r) => [r.id, r.policy, r.outcome, r.baseline])).toEqual([
      ['c', 'GUIDE', 'reverted', 'base'],
      ['a', 'KSPP', 'verified', 'base'],
    ]);
    expect(rows[1]).toMatchObject({ scoreAfter: { passed: 12, total: 20 }, resultSnapshot: { name: 'trial-kspp-1' } });
    expect(rows[0]!.scoreAfter).toBeNull();
  });
});
