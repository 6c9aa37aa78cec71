import type { VerifyCheck } from '../../engine/step';
import type { TargetProbeItem } from '../../engine/target';
import type { KernelPlanData } from './plan';
import { debianInstalledReleases, newestRelease, parseDpkgQuery } from './release';

/**
 * After the install and before the reboot: is the new kernel really on disk
 * (image, initramfs, modules) and will the boot loader start it? A "no" here
 * fails the apply while the VM still runs, so the engine reverts without a
 * reboot into the unknown. What only the reboot can prove (that the kernel
 * boots at all) is left to verify.
 */
export interface BootReadiness {
  release: string | null;
  checks: VerifyCheck[];
  /** Things that could not be checked (no boot loader Harden Lab knows). */
  notes: string[];
}

/** The read-only commands, in one round trip. `release` is the expected release when the plan knew it. */
export function bootReadinessProbe(data: KernelPlanData, release: string | null): Record<string, string[]> {
  const cmds: Record<string, string[]> = {
    vmlinuzLink: ['readlink', '/vmlinuz'],
    initrdLink: ['readlink', '/initrd.img'],
    grubCfg: ['cat', '/boot/grub/grub.cfg'],
  };
  if (data.family === 'debian') {
    cmds.dpkg = ['dpkg-query', '-W', '-f', '${Package}\t${Version}\t${db:Status-Abbrev}\n', 'linux-image-*'];
    if (release) {
      cmds.image = ['test', '-f', `/boot/vmlinuz-${release}`];
      cmds.initrd = ['test', '-f', `/boot/initrd.img-${release}`];
      cmds.modules = ['test', '-f', `/lib/modules/${release}/modules.dep`];
    }
  } else {
    const flavor = data.flavorSuffix ?? 'lts';
    cmds.kernelRelease = ['cat', `/usr/share/kernel/${flavor}/kernel.release`];
    cmds.image = ['test', '-f', `/boot/vmlinuz-${flavor}`];
    cmds.initrd = ['test', '-f', `/boot/initramfs-${flavor}`];
    if (data.boot.extlinuxConf) cmds.extlinux = ['cat', data.boot.extlinuxConf];
    if (release) cmds.modules = ['test', '-f', `/lib/modules/${release}/modules.dep`];
  }
  return cmds;
}

const ok = (r: TargetProbeItem | undefined): boolean => r?.code === 0;
const text = (r: TargetProbeItem | undefined): string => (r?.code === 0 ? r.stdout.trim() : '');

/** Which release the install left as the newest, when the plan could not know it in advance. */
export function installedReleaseAfter(data: KernelPlanData, results: Record<string, TargetProbeItem>): string | null {
  if (data.family === 'debian') {
    if (!data.flavorSuffix) return null;
    return newestRelease(debianInstalledReleases(parseDpkgQuery(text(results.dpkg)), data.flavorSuffix));
  }
  return text(results.kernelRelease) || null;
}

export function evaluateBootReadiness(data: KernelPlanData, release: string, results: Record<string, TargetProbeItem>): BootReadiness {
  const checks: VerifyCheck[] = [];
  const notes: string[] = [];
  const check = (name: string, pass: boolean, evidence: string): void => {
    checks.push({ name, ok: pass, evidence });
  };
  if (data.family === 'debian') {
    const pkg = parseDpkgQuery(text(results.dpkg)).find((p) => p.name === `linux-image-${release}`);
    check(`linux-image-${release} is installed`, pkg?.installed === true, pkg ? `dpkg: ${pkg.name} ${pkg.version} ${pkg.installed ? 'installed' : 'not installed'}` : 'dpkg does not list it');
    check(`/boot/vmlinuz-${release} and its initramfs exist`, ok(results.image) && ok(results.initrd), `image ${ok(results.image) ? 'present' : 'missing'}, initrd.img ${ok(results.initrd) ? 'present' : 'missing'}`);
    check(`/lib/modules/${release} has its modules`, ok(results.modules), ok(results.modules) ? 'modules.dep present' : 'modules.dep missing');
    let knownLoader = false;
    if (data.boot.vmlinuz !== null) {
      knownLoader = true;
      const link = text(results.vmlinuzLink);
      const initrd = text(results.initrdLink);
      const points = link.replace(/^\//, '') === `boot/vmlinuz-${release}` && (initrd === '' || initrd.replace(/^\//, '') === `boot/initrd.img-${release}`);
      check('/vmlinuz and /initrd.img point at the new kernel', points, `/vmlinuz -> ${link || '(missing)'}, /initrd.img -> ${initrd || '(missing)'}`);
    }
    if (data.boot.grubCfg) {
      knownLoader = true;
      const cfg = text(results.grubCfg);
      check("GRUB's menu has the new kernel", cfg.includes(`vmlinuz-${release}`), cfg.includes(`vmlinuz-${release}`) ? `grub.cfg mentions vmlinuz-${release}` : `grub.cfg does not mention vmlinuz-${release}`);
    }
    if (!knownLoader) notes.push('No /vmlinuz link and no GRUB menu: the boot loader could not be checked; the reboot will show which kernel starts.');
  } else {
    const flavor = data.flavorSuffix ?? 'lts';
    const installed = text(results.kernelRelease);
    check(`/usr/share/kernel/${flavor}/kernel.release is ${release}`, installed === release, `kernel.release: ${installed || '(missing)'}`);
    check(`/boot/vmlinuz-${flavor} and its initramfs exist`, ok(results.image) && ok(results.initrd), `vmlinuz-${flavor} ${ok(results.image) ? 'present' : 'missing'}, initramfs-${flavor} ${ok(results.initrd) ? 'present' : 'missing'}`);
    check(`/lib/modules/${release} has its modules`, ok(results.modules), ok(results.modules) ? 'modules.dep present' : 'modules.dep missing');
    let knownLoader = false;
    if (data.boot.extlinuxConf) {
      knownLoader = true;
      const conf = text(results.extlinux);
      check(`${data.boot.extlinuxConf} boots vmlinuz-${flavor}`, conf.includes(`vmlinuz-${flavor}`), conf.includes(`vmlinuz-${flavor}`) ? `mentions vmlinuz-${flavor}` : `does not mention vmlinuz-${flavor}`);
    }
    if (data.boot.grubCfg) {
      knownLoader = true;
      const cfg = text(results.grubCfg);
      check("GRUB's menu boots the new kernel", cfg.includes(`vmlinuz-${flavor}`), cfg.includes(`vmlinuz-${flavor}`) ? `grub.cfg mentions vmlinuz-${flavor}` : `grub.cfg does not mention vmlinuz-${flavor}`);
    }
    if (!knownLoader) notes.push('No extlinux.conf and no GRUB menu: the boot loader could not be checked; the reboot will show which kernel starts.');
  }
  return { release, checks, notes };
}
