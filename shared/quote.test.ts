import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteArg, shellJoin } from './quote';
import { explainInvalidName, isValidName } from './names';

// The real test of quoting is a real shell: each argument must arrive as exactly one literal argv entry.
function throughSh(argv: string[]): string[] {
  const line = shellJoin(['printf', '%s\\0', ...argv]);
  const r = spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

describe('quoting', () => {
  const hostile = ['x; rm -rf /', '$(reboot)', '`id`', "it's", '"double"', 'a\nb', '  spaces  ', '', '*', '~root', '$HOME', '\\', "'", "''", 'ünïcødé ✓', '-n', '--', 'a|b&c>d<e', '!event'];

  it('passes every hostile string through /bin/sh as one literal argument', () => {
    expect(throughSh(hostile)).toEqual(hostile);
  });

  it('leaves plain words unquoted and quotes everything else', () => {
    expect(quoteArg('sshd')).toBe('sshd');
    expect(quoteArg('/etc/ssh/sshd_config')).toBe('/etc/ssh/sshd_config');
    expect(quoteArg('')).toBe("''");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
  });

  it('refuses NUL and empty commands', () => {
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
    expect(() => shellJoin([])).toThrow();
  });
});

describe('names', () => {
  it('accepts real names and refuses metacharacters', () => {
    expect(isValidName('module', 'usb-storage')).toBe(true);
    expect(isValidName('module', 'nf_tables')).toBe(true);
    expect(isValidName('module', 'x; rm -rf /')).toBe(false);
    expect(isValidName('module', '$(reboot)')).toBe(false);
    expect(isValidName('sysctlKey', 'kernel.kptr_restrict')).toBe(true);
    expect(isValidName('sysctlKey', 'net.ipv4.conf.all.rp_filter')).toBe(true);
    expect(isValidName('sysctlKey', 'kernel')).toBe(false);
    expect(isValidName('sysctlKey', 'kernel.x;id')).toBe(false);
    expect(isValidName('profile', 'lab')).toBe(true);
    expect(isValidName('profile', '../lab')).toBe(false);
    expect(isValidName('host', '127.0.0.1')).toBe(true);
    expect(isValidName('host', 'lab.example.org')).toBe(true);
    expect(isValidName('host', 'a b')).toBe(false);
    expect(isValidName('snapshot', 'before ssh: 2026-11-29T10:00')).toBe(true);
    expect(isValidName('snapshot', 'x`id`')).toBe(false);
  });

  it('explains what is allowed', () => {
    expect(explainInvalidName('module', 'a b')).toMatch(/not a valid module name/);
    expect(explainInvalidName('module', 'ab')).toBeNull();
  });
});
