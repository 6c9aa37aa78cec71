import { describe, expect, it } from 'vitest';
import type { ExperimentShape } from '../../../shared/domain';
import { htmlReport, markdownReport } from './report';

const exp: ExperimentShape = {
  id: 'e1',
  profile: 'lab',
  step: 'sysctl',
  status: 'reverted',
  startedAt: '2026-12-03T10:00:00Z',
  snapshot: { id: 's1', name: 'hl-sysctl' },
  log: [],
  result: {
    experimentId: 'e1',
    step: 'sysctl',
    outcome: 'reverted',
    snapshot: { id: 's1', name: 'hl-sysctl' },
    checks: [],
    phases: [],
    durationMs: 1000,
    canaries: [
      { name: 'ssh-login', kind: 'login', before: { ok: true, evidence: 'uid 0' }, after: { ok: true, evidence: 'uid 0' }, afterReboot: { ok: true, evidence: 'uid 0' }, verdict: 'held' },
      { name: 'agent', kind: 'command', before: { ok: true, evidence: 'exit 0' }, after: { ok: true, evidence: 'exit 0' }, afterReboot: { ok: false, evidence: 'exit 1; stderr: a|b <x>' }, verdict: 'broke-after-reboot' },
      { name: 'web', kind: 'http', before: { ok: false, evidence: 'no answer' }, after: { ok: false, evidence: 'no answer' }, verdict: 'already-failing' },
    ],
    rebootProof: { bootIdBefore: 'aaa', bootIdAfter: 'bbb', ok: false, lost: ['kernel.kptr_restrict = 2'], reasons: ['agent.service sets it at boot'] },
  },
};

describe('reports show the canaries and the reboot proof', () => {
  it('as a Markdown table with an after-reboot column and the reasons', () => {
    const md = markdownReport([exp], 'T');
    expect(md).toContain('| Canary | Before | After | After reboot | Verdict |');
    expect(md).toContain('| agent | pass: exit 0 | pass: exit 0 | FAIL: exit 1; stderr: a\\|b <x> | broke after the reboot |');
    expect(md).toContain('| web | FAIL: no answer | FAIL: no answer | - | failed before the change (not counted) |');
    expect(md).toContain('- The change does NOT survive a reboot.');
    expect(md).toContain('- Why: agent.service sets it at boot');
  });

  it('as HTML, escaped, with the broken row marked', () => {
    const html = htmlReport([exp], 'T');
    expect(html).toContain('<tr class="err"><td>agent</td>');
    expect(html).toContain('FAIL: exit 1; stderr: a|b &lt;x&gt;');
    expect(html).toContain('<li>Lost after the reboot: kernel.kptr_restrict = 2</li>');
  });
});
