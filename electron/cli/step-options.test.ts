import { describe, expect, it } from 'vitest';
import type { StepInfo } from '../../shared/domain';
import { formatProgress } from './progress';
import { describeOptions, parseStepSets } from './step-options';

const step: StepInfo = {
  id: 'ssh',
  title: 'SSH',
  summary: '',
  why: '',
  readOnly: false,
  guideOrder: 1,
  options: [
    { name: 'rootLogin', label: 'Root login', type: 'enum', default: 'no', choices: [{ value: 'no', label: 'Never' }, { value: 'prohibit-password', label: 'Key' }] },
    { name: 'stronger', label: 'Stronger', type: 'boolean', default: false },
    { name: 'keys', label: 'Keys', type: 'string-list', default: [] },
    { name: 'benchPath', label: 'Path', type: 'string' },
  ],
};

describe('--set KEY=VALUE', () => {
  it('reads each kind of option', () => {
    expect(parseStepSets(step, ['rootLogin=prohibit-password', 'stronger=yes', 'keys=a,b', 'keys=c', 'benchPath=/opt/x.sh'])).toEqual({
      rootLogin: 'prohibit-password',
      stronger: true,
      keys: ['a', 'b', 'c'],
      benchPath: '/opt/x.sh',
    });
    expect(parseStepSets(step, ['stronger=0'])).toEqual({ stronger: false });
    expect(parseStepSets(step, [])).toEqual({});
  });

  it('refuses what the step would not take, naming its options', () => {
    expect(() => parseStepSets(step, ['colour=red'])).toThrow('The step ssh has no option "colour". Its options: rootLogin (no|prohibit-password, default "no"), stronger (boolean, default false), keys (list, default []), benchPath (string).');
    expect(() => parseStepSets(step, ['stronger=maybe'])).toThrow('stronger is true or false');
    expect(() => parseStepSets(step, ['rootLogin=yes'])).toThrow('rootLogin is one of no, prohibit-password');
    expect(() => parseStepSets(step, ['stronger'])).toThrow('--set needs KEY=VALUE');
    expect(() => parseStepSets(step, ['benchPath='])).toThrow('benchPath needs a value');
    expect(describeOptions({ ...step, options: [] })).toBe('none');
  });
});

describe('progress lines', () => {
  it('is one line with the time since the start, a level mark and a percent', () => {
    expect(formatProgress({ phase: 'apply', message: 'Wrote /etc/x.' }, 12_345)).toBe('[  12.3s] apply: Wrote /etc/x.\n');
    expect(formatProgress({ phase: 'snapshot', message: 'saving', percent: 49.6 }, 0)).toBe('[   0.0s] snapshot: saving (50%)\n');
    expect(formatProgress({ phase: 'revert', message: 'failed:\n  line 1\nline 2', level: 'warn' }, 1500)).toBe('[   1.5s] WARN revert: failed: / line 1 / line 2\n');
  });
});
