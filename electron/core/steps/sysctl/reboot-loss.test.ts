import { describe, expect, it } from 'vitest';
import { explainSysctlLoss, lostKeys } from './reboot-loss';

const ours = '/etc/sysctl.d/99-zz-hardenlab.conf';
const base = {
  systemd: true,
  ourPath: ours,
  files: [
    { path: '/usr/lib/sysctl.d/50-default.conf', content: 'kernel.kptr_restrict = 1\n' },
    { path: ours, content: 'kernel.kptr_restrict = 2\nkernel.yama.ptrace_scope = 2\n' },
  ],
  values: { 'kernel.kptr_restrict': '0', 'kernel.yama.ptrace_scope': '1' },
  mentions: {},
  cmdline: 'BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro',
};
const lost = [{ key: 'kernel.kptr_restrict', want: '2' }];

describe('why a sysctl does not survive a reboot', () => {
  it('reads the key and the wanted value from the verify check names', () => {
    expect(lostKeys([{ name: 'kernel.kptr_restrict = 2', ok: false, evidence: '' }, { name: '/etc/x is in place', ok: false, evidence: '' }])).toEqual(lost);
  });

  it('names a unit that sets it outside sysctl.d', () => {
    expect(explainSysctlLoss(lost, { ...base, mentions: { 'kernel.kptr_restrict': ['/etc/systemd/system/agent-compat.service'] } })).toEqual([
      'kernel.kptr_restrict is 0 after the boot: /etc/systemd/system/agent-compat.service sets it at boot, outside sysctl.d',
    ]);
  });

  it('names a file read after ours', () => {
    const files = [...base.files, { path: '/etc/sysctl.d/zzz-vendor.conf', content: '# vendor\nkernel.kptr_restrict = 0\n' }];
    expect(explainSysctlLoss(lost, { ...base, files })).toEqual([`/etc/sysctl.d/zzz-vendor.conf line 2 sets kernel.kptr_restrict = 0 at boot, after ${ours}`]);
  });

  it('names the kernel command line, and says so when nothing can be found', () => {
    expect(explainSysctlLoss(lost, { ...base, cmdline: `${base.cmdline} sysctl.kernel.kptr_restrict=0` })).toEqual(['the kernel command line has sysctl.kernel.kptr_restrict=0']);
    expect(explainSysctlLoss(lost, base)[0]).toMatch(/^kernel.kptr_restrict is 0 after the boot although the files read at boot give 2: something else sets it/);
    expect(explainSysctlLoss(lost, { ...base, files: [] })).toEqual(['kernel.kptr_restrict is 0 after the boot: no file read at boot sets it any more']);
  });
});
