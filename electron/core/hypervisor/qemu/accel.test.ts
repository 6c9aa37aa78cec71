import { describe, expect, it } from 'vitest';
import { decideAccel, judgeKvmProbe } from './accel';

describe('decideAccel', () => {
  it('falls back to TCG without /dev/kvm, with a note that says so', () => {
    const d = decideAccel({ kvmDevice: 'absent' });
    expect(d).toMatchObject({ kind: 'use', accel: 'tcg' });
    expect(d.kind === 'use' && d.note).toMatch(/No \/dev\/kvm/);
  });

  it('falls back to TCG when /dev/kvm cannot be opened, and says how to fix it', () => {
    const d = decideAccel({ kvmDevice: 'no-access' });
    expect(d).toMatchObject({ kind: 'use', accel: 'tcg' });
    expect(d.kind === 'use' && d.note).toMatch(/group "kvm"/);
  });

  it('asks for a probe before trusting /dev/kvm', () => {
    expect(decideAccel({ kvmDevice: 'present' })).toEqual({ kind: 'probe' });
  });

  it('uses KVM only after a guest really ran under it', () => {
    expect(decideAccel({ kvmDevice: 'present', probe: { ok: true } })).toMatchObject({ kind: 'use', accel: 'kvm' });
  });

  it('falls back to TCG when the probe failed, quoting why', () => {
    const d = decideAccel({ kvmDevice: 'present', probe: { ok: false, detail: 'KVM internal error. Suberror: 1' } });
    expect(d).toMatchObject({ kind: 'use', accel: 'tcg' });
    expect(d.kind === 'use' && d.note).toContain('KVM internal error. Suberror: 1');
  });

  it('obeys HARDENLAB_ACCEL without probing, and refuses other values', () => {
    expect(decideAccel({ forced: 'tcg', kvmDevice: 'present' })).toMatchObject({ kind: 'use', accel: 'tcg' });
    expect(decideAccel({ forced: 'kvm', kvmDevice: 'absent' })).toMatchObject({ kind: 'use', accel: 'kvm' });
    expect(decideAccel({ forced: 'hvf', kvmDevice: 'present' })).toMatchObject({ kind: 'invalid' });
    expect(decideAccel({ forced: '', kvmDevice: 'present' })).toEqual({ kind: 'probe' });
  });
});

describe('judgeKvmProbe', () => {
  it('accepts a guest that is running', () => {
    expect(judgeKvmProbe({ exited: false, status: 'running', stderr: '' })).toEqual({ ok: true });
  });

  it('rejects the emulation failure seen on nested hosts', () => {
    const stderr = 'KVM internal error. Suberror: 1\nextra data[0]: 0x0000000000000000\nemulation failure\nRAX=0000000000000000 RBX=...\n';
    expect(judgeKvmProbe({ exited: false, status: 'internal-error', stderr })).toEqual({ ok: false, detail: 'KVM internal error. Suberror: 1' });
  });

  it('rejects a QEMU that died setting up the vCPU', () => {
    const stderr = 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0\nqemu-system-x86_64: ../../target/i386/kvm/kvm.c:2893: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs\' failed.\n';
    expect(judgeKvmProbe({ exited: true, exitCode: null, stderr })).toEqual({ ok: false, detail: 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0' });
    expect(judgeKvmProbe({ exited: true, exitCode: 1, stderr: '' })).toEqual({ ok: false, detail: 'QEMU exited with status 1' });
  });

  it('rejects any other state', () => {
    expect(judgeKvmProbe({ exited: false, status: 'paused', stderr: '' })).toMatchObject({ ok: false });
  });
});
