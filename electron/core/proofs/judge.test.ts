import { describe, expect, it } from 'vitest';
import type { Proof } from '../../../shared/domain';
import { holdsOn, judgeProof, literal } from './judge';

const sysctl: Proof = { name: 'kernel.kptr_restrict = 2', argv: ['sysctl', '-n', 'kernel.kptr_restrict'], elevated: false, expect: { kind: 'equals', value: '2' } };

describe('judging a proof', () => {
  it('equals: the whole output, white space collapsed', () => {
    expect(judgeProof(sysctl, { code: 0, stdout: '2\n' })).toEqual({ ok: true, evidence: 'sysctl -n kernel.kptr_restrict: 2' });
    expect(judgeProof(sysctl, { code: 0, stdout: '1\n' })).toEqual({ ok: false, evidence: 'sysctl -n kernel.kptr_restrict: 1 (wanted: prints 2)' });
    expect(holdsOn({ kind: 'equals', value: '4 4 1 7' }, '4\t4\t1\t7\n')).toBe(true);
    expect(judgeProof(sysctl, { code: 255, stdout: '' })).toMatchObject({ ok: false, evidence: expect.stringMatching(/exit 255/) });
  });

  it('line: one trimmed, lower-cased line among the accepted ones; the evidence is the line about that keyword', () => {
    const p: Proof = { name: 'PermitRootLogin', argv: ['sshd', '-T'], elevated: true, expect: { kind: 'line', anyOf: ['permitrootlogin prohibit-password', 'permitrootlogin without-password'] } };
    expect(judgeProof(p, { code: 0, stdout: 'port 22\npermitrootlogin without-password\nx11forwarding no\n' })).toEqual({ ok: true, evidence: 'sshd -T: permitrootlogin without-password' });
    expect(judgeProof(p, { code: 0, stdout: 'port 22\nPermitRootLogin yes\n' }).ok).toBe(false);
    // A value is not a prefix: "no-x" is not "no".
    expect(holdsOn({ kind: 'line', anyOf: ['x11forwarding no'] }, 'x11forwarding no-x\n')).toBe(false);
  });

  it('range: a keyword and a whole number within bounds', () => {
    const p: Proof = { name: 'MaxAuthTries', argv: ['sshd', '-T'], elevated: true, expect: { kind: 'range', prefix: 'maxauthtries ', min: 1, max: 4 } };
    expect(judgeProof(p, { code: 0, stdout: 'port 22\nmaxauthtries 3\n' })).toEqual({ ok: true, evidence: 'sshd -T: maxauthtries 3' });
    expect(judgeProof(p, { code: 0, stdout: 'maxauthtries 6\n' })).toEqual({ ok: false, evidence: 'sshd -T: maxauthtries 6 (wanted: shows "maxauthtries N" with N from 1 to 4)' });
    expect(holdsOn(p.expect, 'maxauthtries 0\n')).toBe(false);
    expect(holdsOn(p.expect, 'maxauthtries 3x\n')).toBe(false);
  });

  it('match: any line; literal() takes special characters literally without backslashes', () => {
    expect(holdsOn({ kind: 'match', pattern: '^ *install (/usr)?(/s?bin/)?(false|true)( |$)' }, 'insmod /lib/x.ko\ninstall /bin/false \n')).toBe(true);
    expect(holdsOn({ kind: 'match', pattern: '^ *install (/usr)?(/s?bin/)?(false|true)( |$)' }, 'insmod /lib/modules/cramfs.ko\n')).toBe(false);
    expect(literal('aes256-gcm@openssh.com+x')).toBe('aes256-gcm@openssh[.]com[+]x');
    expect(new RegExp(`^${literal('a.b(c)')}$`).test('a.b(c)')).toBe(true);
    expect(new RegExp(`^${literal('a.b')}$`).test('axb')).toBe(false);
    expect(() => literal('a[b]')).toThrow();
  });
});
