import type { OsRelease } from './os-release';
import type { DistroAdapter, KernelFlavor } from './types';

const APT_ENV = ['env', 'DEBIAN_FRONTEND=noninteractive', 'NEEDRESTART_MODE=a'];

/** Debian and Ubuntu: apt, systemd, update-initramfs, sudo. */
export function debianAdapter(os: OsRelease): DistroAdapter {
  return {
    family: 'debian',
    os,
    refreshIndex: () => [...APT_ENV, 'apt-get', 'update', '-q'],
    install: (packages) => [...APT_ENV, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...packages],
    // --force-confold keeps the VM's edited config files: the upgrade must not undo other hardening.
    upgradeKernel: (flavor) => [...APT_ENV, 'apt-get', 'install', '-y', '-q', '-o', 'Dpkg::Options::=--force-confold', '--only-upgrade', flavor.metaPackage],
    kernelFlavorFor(release, installed) {
      // 6.1.0-50-cloud-amd64 -> linux-image-cloud-amd64; 5.15.0-91-generic -> linux-image-generic (Ubuntu).
      const m = /^\d+\.\d+\.\d+-\d+-(.+)$/.exec(release);
      if (!m) return null;
      const candidates = [`linux-image-${m[1]}`, ...(os.id === 'ubuntu' ? [`linux-image-${m[1]}`, 'linux-generic'] : [])];
      const found = candidates.find((c) => installed.includes(c));
      return { metaPackage: found ?? candidates[0]! } satisfies KernelFlavor;
    },
    sshService: 'ssh',
    reloadService: (name) => ['systemctl', 'reload', name],
    restartService: (name) => ['systemctl', 'restart', name],
    regenerateInitramfs: (release) => ['update-initramfs', '-u', '-k', release ?? 'all'],
    sysctlLoadFile: (path) => ['sysctl', '-p', path],
    sysctlDir: '/etc/sysctl.d',
    modprobeDir: '/etc/modprobe.d',
    kmodPackageNeeded: () => null,
    sshServerPackage: 'openssh-server',
  };
}
