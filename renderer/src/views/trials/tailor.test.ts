import { describe, expect, it } from 'vitest';
import { PolicySchema } from '../../../../shared/policy';
import { tailoredPolicy } from './tailor';

const base = PolicySchema.parse({
  name: 'kspp',
  version: 3,
  title: 'KSPP',
  source: { name: 'kernel-hardening-checker' },
  steps: [
    { step: 'sysctl', settings: [{ id: 'kernel.kptr_restrict', rule: 'kptr_restrict' }, { id: 'kernel.sysrq' }, { id: 'kernel.yama.ptrace_scope', enabled: false }] },
    { step: 'root-account' },
  ],
});

describe('tailoredPolicy', () => {
  it('switches the left-out settings and steps off, keeps the rest, and points back to its origin', () => {
    const t = PolicySchema.parse(tailoredPolicy({ policy: base }, 'my-kspp', ['sysctl:kernel.sysrq', 'root-account']));
    expect(t).toMatchObject({ name: 'my-kspp', version: 1, title: 'KSPP (tailored)', basedOn: { name: 'kspp', version: 3 } });
    expect(t.steps[0]!.settings!.map((s) => [s.id, s.enabled])).toEqual([
      ['kernel.kptr_restrict', true],
      ['kernel.sysrq', false],
      ['kernel.yama.ptrace_scope', false],
    ]);
    expect(t.steps[0]!.settings![0]!.rule).toBe('kptr_restrict');
    expect(t.steps[1]!.enabled).toBe(false);
  });

  it('a whole step left out stays in the file, switched off; nothing left out changes nothing but the name', () => {
    const t = PolicySchema.parse(tailoredPolicy({ policy: base }, 'copy', ['sysctl']));
    expect(t.steps[0]!.enabled).toBe(false);
    expect(t.steps[0]!.settings!.map((s) => s.enabled)).toEqual([true, true, false]);
    const same = PolicySchema.parse(tailoredPolicy({ policy: base }, 'copy', []));
    expect(same.steps).toEqual(base.steps);
  });
});
