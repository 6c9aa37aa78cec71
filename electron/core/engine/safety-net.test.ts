import { describe, expect, it } from 'vitest';
import { deadmanSeconds, safetyNetOf, type NetPart } from './safety-net';

const ssh: NetPart = {
  step: 'ssh',
  files: [{ path: '/etc/ssh/sshd_config.d/00-hardenlab.conf', before: null }],
  commands: [{ argv: ['/usr/sbin/sshd', '-t'] }, { argv: ['systemctl', 'reload', 'ssh'] }],
  warnings: [{ kind: 'lockout-risk' }],
};
const sysctl: NetPart = { step: 'sysctl', files: [{ path: '/etc/sysctl.d/99-zz-hardenlab.conf', before: null }], commands: [{ argv: ['sysctl', '-p', '/etc/sysctl.d/99-zz-hardenlab.conf'] }] };
const hv = { hypervisor: { kind: 'qemu' as const, vm: 'lab' } };

describe('which safety net protects a change', () => {
  it('a VM: the snapshot, with the switch as a second layer for a lock-out risk it can take back', () => {
    expect(safetyNetOf(hv, [ssh], 120)).toMatchObject({ kind: 'snapshot+switch', message: expect.stringMatching(/second layer.*restarts ssh after 120 s/) });
    expect(safetyNetOf(hv, [{ ...ssh, warnings: [] }], 120).kind).toBe('snapshot');
    expect(safetyNetOf(hv, [sysctl], 120).kind).toBe('snapshot');
    expect(safetyNetOf(hv, [ssh, sysctl], 120).kind).toBe('snapshot');
  });

  it('no hypervisor: the switch alone, or none with the reason; a trial always needs its snapshot', () => {
    const alone = safetyNetOf({}, [ssh], 90);
    expect(alone).toMatchObject({ kind: 'switch', message: expect.stringMatching(/No snapshot .*puts \/etc\/ssh\/sshd_config\.d\/00-hardenlab\.conf back and restarts ssh after 90 s/) });
    expect(alone.guard?.restart).toEqual([['systemctl', 'reload-or-restart', 'ssh']]);
    expect(safetyNetOf({}, [sysctl], 90)).toMatchObject({ kind: 'none', message: expect.stringMatching(/No way back.*runs `sysctl -p/) });
    expect(safetyNetOf({}, [ssh], 90, { needsSnapshot: true }).kind).toBe('none');
  });

  it('the deadline comes from HARDENLAB_DEADMAN_SECONDS within 20..3600 s, else 120', () => {
    expect(deadmanSeconds({ HARDENLAB_DEADMAN_SECONDS: '45' })).toBe(45);
    for (const bad of ['5', '99999', 'soon', '']) expect(deadmanSeconds({ HARDENLAB_DEADMAN_SECONDS: bad })).toBe(120);
    expect(deadmanSeconds({})).toBe(120);
  });
});
