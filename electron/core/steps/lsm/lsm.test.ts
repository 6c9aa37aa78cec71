import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TargetProbeItem } from '../../engine/target';
import { CONFIG_CHECKS, configArch, evaluateConfig, evaluateConfigCheck, parseKernelConfig } from './kernel-config';
import { parseAaStatus, parseAppArmorProfiles, parseCmdline, parseLockdown, parseLsmList, parseSelinux, weakeningParams } from './status';
import { assessLsm, lsmFactsFrom, lsmParamSuggestion, lsmStep, planLsm } from './step';

const fx = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const ok = (stdout: string): TargetProbeItem => ({ code: 0, stdout });
const missing: TargetProbeItem = { code: 1, stdout: '', stderr: 'No such file or directory' };
const notInstalled: TargetProbeItem = { code: 127, stdout: '' };

const DEBIAN_CONFIG = fx('debian12-cloud-config-excerpt.txt');
const ALPINE_CONFIG = fx('alpine-3.20-lts-config-excerpt.txt');

/** The lab VM's answers, as read on 2026-11-29. */
const labProbe = (): Record<string, TargetProbeItem> => ({
  unameR: ok('6.1.0-50-cloud-amd64\n'),
  lsm: ok('lockdown,capability,landlock,yama,apparmor,tomoyo,bpf'),
  lockdown: ok('[none] integrity confidentiality\n'),
  aaEnabled: ok('Y\n'),
  aaProfiles: ok(''),
  aaStatus: notInstalled,
  getenforce: notInstalled,
  selinuxEnforce: missing,
  cmdline: ok('BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro console=ttyS0,115200 net.ifnames=0 initrd=/initrd.img\n'),
  config: ok(`# hardenlab-config-source: /boot/config-6.1.0-50-cloud-amd64\n${DEBIAN_CONFIG}`),
});

/** An Alpine VM with linux-lts: AppArmor built in but not in CONFIG_LSM, no lockdown LSM, config only in /proc/config.gz. */
const alpineProbe = (): Record<string, TargetProbeItem> => ({
  unameR: ok('6.6.58-0-lts\n'),
  lsm: ok('capability,landlock,yama'),
  lockdown: missing,
  aaEnabled: ok('N\n'),
  aaProfiles: missing,
  aaStatus: notInstalled,
  getenforce: notInstalled,
  selinuxEnforce: missing,
  cmdline: ok('BOOT_IMAGE=vmlinuz-lts root=UUID=8b1e6a3c modules=sd-mod,usb-storage,ext4 quiet rootfstype=ext4\n'),
  config: ok(`# hardenlab-config-source: /boot/config-lts\n${ALPINE_CONFIG}`),
});

describe('status parsers', () => {
  it('reads the LSM list and the lockdown mode', () => {
    expect(parseLsmList('lockdown,capability,landlock,yama,apparmor,tomoyo,bpf\n')).toEqual(['lockdown', 'capability', 'landlock', 'yama', 'apparmor', 'tomoyo', 'bpf']);
    expect(parseLsmList('')).toEqual([]);
    expect(parseLockdown('[none] integrity confidentiality\n')).toEqual({ mode: 'none', available: ['none', 'integrity', 'confidentiality'] });
    expect(parseLockdown('none [integrity] confidentiality')).toMatchObject({ mode: 'integrity' });
    expect(parseLockdown('')).toBeNull();
  });

  it('counts AppArmor profiles from the kernel and from aa-status', () => {
    expect(parseAppArmorProfiles('')).toEqual({ total: 0, enforce: 0, complain: 0, other: 0 });
    expect(parseAppArmorProfiles('/usr/bin/man (enforce)\nman_filter (enforce)\nlsb_release (enforce)\nnvidia_modprobe (complain)\ndocker-default (enforce)\nunconfined-thing (unconfined)\n')).toEqual({ total: 6, enforce: 4, complain: 1, other: 1 });
    const aa = 'apparmor module is loaded.\n7 profiles are loaded.\n6 profiles are in enforce mode.\n   /usr/bin/man\n1 profiles are in complain mode.\n0 profiles are in kill mode.\n0 profiles are in unconfined mode.\n0 processes have profiles defined.\n';
    expect(parseAaStatus(aa)).toEqual({ total: 7, enforce: 6, complain: 1, other: 0 });
    expect(parseAaStatus('apparmor module is not loaded.\n')).toBeNull();
  });

  it('reads SELinux from getenforce or the enforce file', () => {
    expect(parseSelinux('Enforcing\n', null)).toBe('enforcing');
    expect(parseSelinux(null, '0\n')).toBe('permissive');
    expect(parseSelinux('Disabled', '1')).toBe('disabled');
    expect(parseSelinux(null, null)).toBeNull();
  });

  it('finds command-line parameters that switch protections off', () => {
    const params = parseCmdline('BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro mitigations=off nokaslr apparmor=0 lsm="landlock,yama" pti=on init_on_alloc=1');
    expect(params).toContainEqual({ key: 'lsm', value: 'landlock,yama' });
    expect(weakeningParams(params)).toEqual([
      { param: 'mitigations=off', what: 'every CPU vulnerability mitigation' },
      { param: 'nokaslr', what: 'KASLR' },
      { param: 'apparmor=0', what: 'AppArmor' },
    ]);
    expect(weakeningParams(parseCmdline(labProbe().cmdline!.stdout))).toEqual([]);
  });

  it('suggests an lsm= that adds the missing major LSM without dropping the others', () => {
    expect(lsmParamSuggestion(['capability', 'landlock', 'yama'], 'apparmor')).toBe('lsm=landlock,yama,apparmor');
    expect(lsmParamSuggestion(['lockdown', 'capability', 'landlock', 'yama', 'selinux', 'bpf'], 'apparmor')).toBe('lsm=lockdown,landlock,yama,apparmor,bpf');
  });
});

describe('kernel config checks', () => {
  it('parse set, unset and quoted options', () => {
    const c = parseKernelConfig(DEBIAN_CONFIG);
    expect(c.get('STRICT_KERNEL_RWX')).toBe('y');
    expect(c.get('MODULE_SIG_FORCE')).toBe('n');
    expect(c.get('LSM')).toBe('landlock,lockdown,yama,loadpin,safesetid,integrity,apparmor,selinux,smack,tomoyo,bpf');
    expect(c.get('MAGIC_SYSRQ_DEFAULT_ENABLE')).toBe('0x01b6');
    expect(configArch(c)).toBe('x86_64');
  });

  it('the Debian 12 cloud kernel: all but init-on-free and module-sig-force', () => {
    const results = evaluateConfig(parseKernelConfig(DEBIAN_CONFIG));
    expect(results).toHaveLength(CONFIG_CHECKS.length);
    expect(results.filter((r) => r.status !== 'pass').map((r) => `${r.check.id}: ${r.evidence}`)).toEqual([
      'init-on-free: CONFIG_INIT_ON_FREE_DEFAULT_ON is not set',
      'module-sig-force: CONFIG_MODULE_SIG_FORCE is not set, CONFIG_MODULES=y',
    ]);
    expect(results.find((r) => r.check.id === 'devmem')?.evidence).toBe('CONFIG_DEVMEM=y, CONFIG_STRICT_DEVMEM=y');
  });

  it('the Alpine lts kernel: no module signatures, no lockdown LSM, no hardened freelists', () => {
    const results = evaluateConfig(parseKernelConfig(ALPINE_CONFIG));
    expect(results.filter((r) => r.status === 'fail').map((r) => r.check.id)).toEqual(['init-on-free', 'slab-freelist-hardened', 'module-sig', 'module-sig-force', 'lockdown-lsm', 'bug-on-data-corruption']);
    expect(results.find((r) => r.check.id === 'mac-lsm')).toMatchObject({ status: 'pass', evidence: 'CONFIG_SECURITY_APPARMOR=y, CONFIG_SECURITY_SELINUX is not set' });
  });

  it('accepts renamed options and alternatives, and skips what does not apply to the architecture', () => {
    const retpoline = CONFIG_CHECKS.find((c) => c.id === 'retpoline')!;
    expect(evaluateConfigCheck(retpoline, new Map([['X86_64', 'y'], ['MITIGATION_RETPOLINE', 'y']]))).toMatchObject({ status: 'pass', evidence: 'CONFIG_MITIGATION_RETPOLINE=y' });
    expect(evaluateConfigCheck(retpoline, new Map([['ARM64', 'y']]))).toMatchObject({ status: 'skip', evidence: 'not applicable on arm64' });
    const pti = CONFIG_CHECKS.find((c) => c.id === 'page-table-isolation')!;
    expect(evaluateConfigCheck(pti, new Map([['ARM64', 'y'], ['UNMAP_KERNEL_AT_EL0', 'y']])).status).toBe('pass');
    const devmem = CONFIG_CHECKS.find((c) => c.id === 'devmem')!;
    expect(evaluateConfigCheck(devmem, new Map([['X86_64', 'y'], ['DEVMEM', 'n']])).status).toBe('pass');
    expect(evaluateConfigCheck(devmem, new Map([['X86_64', 'y'], ['DEVMEM', 'y'], ['STRICT_DEVMEM', 'n']])).status).toBe('fail');
    const sig = CONFIG_CHECKS.find((c) => c.id === 'module-sig')!;
    expect(evaluateConfigCheck(sig, new Map([['MODULES', 'n']])).status).toBe('pass');
    expect(evaluateConfigCheck(sig, new Map([['MODULES', 'y']]))).toMatchObject({ status: 'fail', evidence: 'CONFIG_MODULES=y' });
    expect(new Set(CONFIG_CHECKS.map((c) => c.id)).size).toBe(CONFIG_CHECKS.length);
  });
});

describe('lsm step on recorded answers', () => {
  it('audits the lab VM: AppArmor active but empty, lockdown none, one check per item with evidence', () => {
    const facts = lsmFactsFrom(labProbe());
    expect(facts).toMatchObject({ running: '6.1.0-50-cloud-amd64', lockdown: { mode: 'none' }, apparmor: { moduleEnabled: true, profiles: { total: 0 }, profilesSource: '/sys/kernel/security/apparmor/profiles' }, selinux: null });
    const checks = lsmStep.audit(facts);
    const status = Object.fromEntries(checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({
      'lsm.mac-active': 'pass',
      'lsm.yama-active': 'pass',
      'lsm.apparmor-profiles': 'fail',
      'lsm.selinux-enforcing': 'skip',
      'lsm.lockdown': 'fail',
      'lsm.cmdline': 'pass',
      'lsm.config.strict-kernel-rwx': 'pass',
      'lsm.config.module-sig-force': 'fail',
    });
    expect(checks.find((c) => c.id === 'lsm.lockdown')?.evidence).toBe('/sys/kernel/security/lockdown: [none] integrity confidentiality');
    expect(checks.find((c) => c.id === 'lsm.apparmor-profiles')?.evidence).toBe('/sys/kernel/security/apparmor/profiles: 0 profiles loaded, 0 in enforce mode, 0 in complain mode');
    expect(checks.find((c) => c.id === 'lsm.config.randomize-base')?.evidence).toBe('/boot/config-6.1.0-50-cloud-amd64: CONFIG_RANDOMIZE_BASE=y');
    expect(checks.every((c) => c.id.startsWith('lsm.') && c.evidence.length > 0)).toBe(true);
    expect(checks).toHaveLength(7 + CONFIG_CHECKS.length - 1);
  });

  it('plans nothing, with a summary and what the user could change', () => {
    const plan = planLsm(lsmFactsFrom(labProbe()));
    expect(plan.nothingToDo).toBe(true);
    expect(plan.files).toEqual([]);
    expect(plan.commands).toEqual([]);
    expect(plan.summary).toBe(
      'LSMs: lockdown,capability,landlock,yama,apparmor,tomoyo,bpf; lockdown: none; AppArmor: active, 0 of 0 profiles enforcing; SELinux: not active; kernel config (/boot/config-6.1.0-50-cloud-amd64): 23 of 25 hardening options as recommended; command line: no protection switched off. Read-only: nothing to change here.',
    );
    const messages = plan.warnings!.map((w) => w.message).join('\n');
    expect(messages).toMatch(/AppArmor is active but confines nothing/);
    expect(messages).toMatch(/lockdown=integrity on the kernel command line/);
    expect(messages).toMatch(/init-on-free, module-sig-force/);
    expect(messages).toMatch(/means changing the kernel command line .* and rebooting\. Harden Lab shows the status but does not make that change for you/);
    expect(plan.warnings!.every((w) => w.kind === 'info')).toBe(true);
  });

  it('on Alpine: suggests the lsm= that turns AppArmor on, and fails lockdown for want of the LSM', () => {
    const facts = lsmFactsFrom(alpineProbe());
    expect(facts.lockdown).toBeNull();
    expect(facts.config?.source).toBe('/boot/config-lts');
    const status = Object.fromEntries(lsmStep.audit(facts).map((c) => [c.id, c]));
    expect(status['lsm.mac-active']).toMatchObject({ status: 'fail', evidence: '/sys/kernel/security/lsm: capability,landlock,yama' });
    expect(status['lsm.apparmor-profiles']).toMatchObject({ status: 'skip' });
    expect(status['lsm.lockdown']).toMatchObject({ status: 'fail', evidence: 'no /sys/kernel/security/lockdown: this kernel has no lockdown LSM' });
    const plan = planLsm(facts);
    expect(plan.warnings!.map((w) => w.message).join('\n')).toMatch(/although this kernel has AppArmor built in\. Booting with lsm=landlock,yama,apparmor \(or apparmor=1 security=apparmor\)/);
  });

  it('says why the config is missing instead of failing every build check', () => {
    const facts = lsmFactsFrom({ ...alpineProbe(), config: { code: 3, stdout: '' } });
    const checks = assessLsm(facts).checks;
    expect(checks.filter((c) => c.id.startsWith('lsm.config'))).toEqual([{ id: 'lsm.config', title: 'Kernel build options', status: 'skip', evidence: expect.stringMatching(/modprobe configs/) }]);
    expect(planLsm(facts).summary).toMatch(/kernel config: not readable/);
  });

  it('refuses options, being read-only', () => {
    expect(lsmStep.options.safeParse({}).success).toBe(true);
    expect(lsmStep.options.safeParse({ enable: 'apparmor' }).success).toBe(false);
    expect(lsmStep.readOnly).toBe(true);
  });
});
