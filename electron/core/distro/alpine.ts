import type { OsRelease } from './os-release';
import type { DistroAdapter } from './types';

/**
 * Alpine: apk, OpenRC, mkinitfs, extlinux, busybox tools (facts.md). No
 * Alpine can run on the build machines, so this adapter is tested on
 * recorded output only.
 */
export function alpineAdapter(os: OsRelease): DistroAdapter {
  return {
    family: 'alpine',
    os,
    refreshIndex: () => ['apk', 'update', '--quiet'],
    install: (packages) => ['apk', 'add', '--quiet', ...packages],
    // `apk add -u` upgrades the flavor's package; the syslinux trigger runs update-extlinux.
    upgradeKernel: (flavor) => ['apk', 'add', '-u', '--quiet', flavor.metaPackage],
    kernelFlavorFor(release) {
      // 6.6.58-0-lts -> linux-lts; 6.6.58-0-virt -> linux-virt
      const m = /-(lts|virt|edge|rpi)$/.exec(release);
      return m ? { metaPackage: `linux-${m[1]}` } : null;
    },
    sshService: 'sshd',
    // OpenRC's sshd reload runs `sshd -t` first (checkconfig), then HUP; sessions survive.
    reloadService: (name) => ['rc-service', name, 'reload'],
    restartService: (name) => ['rc-service', name, 'restart'],
    regenerateInitramfs: (release) => (release ? ['mkinitfs', release] : ['mkinitfs']),
    sysctlLoadFile: (path) => ['sysctl', '-p', path],
    sysctlDir: '/etc/sysctl.d',
    modprobeDir: '/etc/modprobe.d',
    // Busybox modprobe silently ignores `install M /bin/false`; kmod's honours it.
    kmodPackageNeeded: (versionOutput) => (/kmod version/i.test(versionOutput) ? null : 'kmod'),
    sshServerPackage: 'openssh-server',
  };
}
