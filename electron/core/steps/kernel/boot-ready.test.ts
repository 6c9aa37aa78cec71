import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TargetProbeItem } from '../../engine/target';
import { bootReadinessProbe, evaluateBootReadiness, installedReleaseAfter } from './boot-ready';
import type { KernelPlanData } from './plan';

const NEW = '6.1.0-56-cloud-amd64';
const debianData = (over: Partial<KernelPlanData> = {}): KernelPlanData => ({
  family: 'debian',
  running: '6.1.0-50-cloud-amd64',
  expectedRelease: NEW,
  flavorSuffix: 'cloud-amd64',
  metaPackage: 'linux-image-cloud-amd64',
  boot: { vmlinuz: 'boot/vmlinuz-6.1.0-50-cloud-amd64', vmlinuzOld: 'boot/vmlinuz-6.1.0-50-cloud-amd64', grubCfg: false, updateGrub: false, grubMkconfig: false, extlinuxConf: '/boot/extlinux/extlinux.conf', updateExtlinux: false },
  ...over,
});
const yes = (stdout = ''): TargetProbeItem => ({ code: 0, stdout });
const no: TargetProbeItem = { code: 1, stdout: '' };
const dpkgAfter = `linux-image-6.1.0-50-cloud-amd64\t6.1.176-1\tii \nlinux-image-${NEW}\t6.1.192-2\tii \nlinux-image-cloud-amd64\t6.1.192-2\tii \n`;

describe('boot readiness after the install (Debian lab: extlinux booting the /vmlinuz link)', () => {
  it('asks only read-only questions, about the expected release', () => {
    const cmds = bootReadinessProbe(debianData(), NEW);
    expect(cmds.image).toEqual(['test', '-f', `/boot/vmlinuz-${NEW}`]);
    expect(cmds.modules).toEqual(['test', '-f', `/lib/modules/${NEW}/modules.dep`]);
    expect(Object.values(cmds).every((a) => ['readlink', 'cat', 'test', 'dpkg-query'].includes(a[0]!))).toBe(true);
  });

  it('passes when the image, initramfs, modules and the moved /vmlinuz link are there', () => {
    const r = evaluateBootReadiness(debianData(), NEW, { dpkg: yes(dpkgAfter), image: yes(), initrd: yes(), modules: yes(), vmlinuzLink: yes(`boot/vmlinuz-${NEW}\n`), initrdLink: yes(`boot/initrd.img-${NEW}\n`), grubCfg: no });
    expect(r.checks.map((c) => c.ok)).toEqual([true, true, true, true]);
    expect(r.notes).toEqual([]);
  });

  it('fails when /vmlinuz still points at the old kernel (do_symlinks off) or was pointed elsewhere', () => {
    const r = evaluateBootReadiness(debianData(), NEW, { dpkg: yes(dpkgAfter), image: yes(), initrd: yes(), modules: yes(), vmlinuzLink: yes('boot/vmlinuz-6.1.0-50-cloud-amd64\n'), initrdLink: yes(`boot/initrd.img-${NEW}\n`), grubCfg: no });
    const bad = r.checks.filter((c) => !c.ok);
    expect(bad.map((c) => c.name)).toEqual(['/vmlinuz and /initrd.img point at the new kernel']);
    expect(bad[0]!.evidence).toBe(`/vmlinuz -> boot/vmlinuz-6.1.0-50-cloud-amd64, /initrd.img -> boot/initrd.img-${NEW}`);
  });

  it('fails without the initramfs (an interrupted install) and checks GRUB when there is one', () => {
    const data = debianData({ boot: { ...debianData().boot, vmlinuz: null, grubCfg: true, updateGrub: true } });
    const r = evaluateBootReadiness(data, NEW, { dpkg: yes(dpkgAfter), image: yes(), initrd: no, modules: yes(), vmlinuzLink: no, initrdLink: no, grubCfg: yes(`menuentry 'Debian GNU/Linux' {\n\tlinux\t/boot/vmlinuz-${NEW} root=UUID=x ro\n}`) });
    expect(r.checks.filter((c) => !c.ok).map((c) => c.evidence)).toEqual(['image present, initrd.img missing']);
    expect(r.checks.find((c) => /GRUB/.test(c.name))?.ok).toBe(true);
  });

  it('says so when it cannot tell which kernel the boot loader starts', () => {
    const data = debianData({ boot: { ...debianData().boot, vmlinuz: null } });
    const r = evaluateBootReadiness(data, NEW, { dpkg: yes(dpkgAfter), image: yes(), initrd: yes(), modules: yes(), vmlinuzLink: no, initrdLink: no, grubCfg: no });
    expect(r.notes[0]).toMatch(/the reboot will show which kernel starts/);
  });

  it('finds the installed release when the plan could not know it', () => {
    expect(installedReleaseAfter(debianData({ expectedRelease: null }), { dpkg: yes(dpkgAfter) })).toBe(NEW);
  });
});

describe('boot readiness on Alpine (recorded layout)', () => {
  const data: KernelPlanData = {
    family: 'alpine',
    running: '6.6.31-0-lts',
    expectedRelease: '6.6.58-0-lts',
    flavorSuffix: 'lts',
    metaPackage: 'linux-lts',
    boot: { vmlinuz: null, vmlinuzOld: null, grubCfg: false, updateGrub: false, grubMkconfig: false, extlinuxConf: '/boot/extlinux.conf', updateExtlinux: true },
  };
  const extlinux = readFileSync(join(import.meta.dirname, 'fixtures', 'alpine-3.20-extlinux.conf'), 'utf8');

  it('reads kernel.release and the fixed /boot/vmlinuz-lts name', () => {
    const cmds = bootReadinessProbe(data, '6.6.58-0-lts');
    expect(cmds.kernelRelease).toEqual(['cat', '/usr/share/kernel/lts/kernel.release']);
    expect(cmds.image).toEqual(['test', '-f', '/boot/vmlinuz-lts']);
    const r = evaluateBootReadiness(data, '6.6.58-0-lts', { kernelRelease: yes('6.6.58-0-lts\n'), image: yes(), initrd: yes(), modules: yes(), extlinux: yes(extlinux), grubCfg: no, vmlinuzLink: no, initrdLink: no });
    expect(r.checks.every((c) => c.ok)).toBe(true);
    const stale = evaluateBootReadiness(data, '6.6.58-0-lts', { kernelRelease: yes('6.6.31-0-lts\n'), image: yes(), initrd: yes(), modules: no, extlinux: yes(extlinux), grubCfg: no, vmlinuzLink: no, initrdLink: no });
    expect(stale.checks.filter((c) => !c.ok).map((c) => c.evidence)).toEqual(['kernel.release: 6.6.31-0-lts', 'modules.dep missing']);
  });
});
