import { describe, expect, it } from 'vitest';
import { CanarySchema } from '../../../../shared/canary';
import { argvLines, canaryFromForm, EMPTY_CANARY_FORM } from './canaryForm';

describe('the add-canary form', () => {
  it('keeps each line as one argument, metacharacters and spaces included', () => {
    const argv = argvLines(`sh\n-c\nawk '$3 == "_text" {print $1}' /proc/kallsyms | grep -q '[1-9a-f]'\n`);
    expect(argv).toEqual(['sh', '-c', `awk '$3 == "_text" {print $1}' /proc/kallsyms | grep -q '[1-9a-f]'`]);
    const c = CanarySchema.parse(canaryFromForm({ ...EMPTY_CANARY_FORM, name: 'kallsyms-agent', argv: argv.join('\n'), elevated: true }));
    expect(c).toMatchObject({ kind: 'command', argv, elevated: true, expectExit: 0, timeoutSec: 30 });
  });

  it('sends only the chosen kind\'s fields, and leaves a bad number for the schema to name', () => {
    expect(canaryFromForm({ ...EMPTY_CANARY_FORM, kind: 'tcp', name: 'web', port: '8080', argv: 'ignored' })).toEqual({ kind: 'tcp', name: 'web', timeoutSec: 30, host: '127.0.0.1', port: 8080, from: 'vm' });
    const bad = CanarySchema.safeParse(canaryFromForm({ ...EMPTY_CANARY_FORM, kind: 'tcp', name: 'web', port: '80a' }));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['port']);
    expect(canaryFromForm({ ...EMPTY_CANARY_FORM, kind: 'container', name: 'img', target: 'image', image: 'hl-test', argv: '/usr/bin/true\n' })).toEqual({
      kind: 'container',
      name: 'img',
      timeoutSec: 30,
      engine: 'docker',
      image: 'hl-test',
      argv: ['/usr/bin/true'],
    });
  });
});
