import { describe, expect, it } from 'vitest';
import { guardFor, type GuardedPart } from './guard';

const ssh: GuardedPart = {
  step: 'ssh',
  files: [{ path: '/etc/ssh/sshd_config.d/00-hardenlab.conf', before: null }],
  commands: [{ argv: ['/usr/sbin/sshd', '-t'] }, { argv: ['systemctl', 'reload', 'ssh'] }],
  packages: { install: [], remove: [] },
  rebootRequired: false,
};

describe('what the dead-man switch can take back', () => {
  it('an sshd edit: the file back, then sshd restarted even if it died', () => {
    expect(guardFor([ssh])).toEqual({ ok: true, guard: { files: [{ path: '/etc/ssh/sshd_config.d/00-hardenlab.conf', before: null }], restart: [['systemctl', 'reload-or-restart', 'ssh']], services: ['ssh'] } });
    expect(guardFor([{ ...ssh, commands: [{ argv: ['rc-service', 'sshd', 'reload'] }] }])).toMatchObject({ ok: true, guard: { restart: [['rc-service', 'sshd', 'restart']] } });
  });

  it('two parts touching one file keep the content from before the whole change, and one restart per service', () => {
    const second: GuardedPart = { ...ssh, step: 'root-account', files: [{ path: '/etc/ssh/sshd_config.d/00-hardenlab.conf', before: 'after the first\n' }] };
    const d = guardFor([ssh, second]);
    expect(d.ok && d.guard.files).toEqual([{ path: '/etc/ssh/sshd_config.d/00-hardenlab.conf', before: null }]);
    expect(d.ok && d.guard.restart).toHaveLength(1);
  });

  it('refuses what putting files back does not undo, naming it', () => {
    expect(guardFor([{ ...ssh, commands: [{ argv: ['sysctl', '-p', '/etc/sysctl.d/99-zz-hardenlab.conf'] }] }])).toEqual({ ok: false, reason: expect.stringMatching(/runs `sysctl -p/) });
    expect(guardFor([{ ...ssh, rebootRequired: true }])).toMatchObject({ ok: false, reason: expect.stringMatching(/reboots/) });
    expect(guardFor([{ ...ssh, packages: { install: ['docker.io'], remove: [] } }])).toMatchObject({ ok: false, reason: expect.stringMatching(/docker\.io/) });
    expect(guardFor([{ ...ssh, files: [] }])).toMatchObject({ ok: false, reason: expect.stringMatching(/writes no file/) });
    expect(guardFor([{ ...ssh, commands: [{ argv: ['systemctl', 'reload', 'ssh;reboot'] }] }])).toMatchObject({ ok: false });
    expect(guardFor([{ ...ssh, commands: [{ argv: ['systemctl', 'stop', 'ssh'] }] }])).toMatchObject({ ok: false });
  });
});
