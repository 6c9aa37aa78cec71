import { describe, expect, it } from 'vitest';
import { reportCheck } from './audit-check';

describe('reportCheck', () => {
  it('offers the step as the fix only for checks its plan closes', () => {
    expect(reportCheck('ssh', { id: 'ssh.password-auth', title: 'SSH refuses passwords', status: 'fail', evidence: 'sshd -T: passwordauthentication yes' })).toEqual({
      id: 'ssh.password-auth',
      title: 'SSH refuses passwords',
      status: 'fail',
      evidence: 'sshd -T: passwordauthentication yes',
      fixStep: 'ssh',
    });
    expect(reportCheck('root-account', { id: 'root-account.admin-user', title: 'An admin', status: 'fail', evidence: 'no admin', byHand: 'create one' })).toEqual({
      id: 'root-account.admin-user',
      title: 'An admin',
      status: 'fail',
      evidence: 'no admin. By hand: create one',
    });
  });
});
