import type { OsRelease } from './os-release';

/**
 * How one distribution family does the things hardening needs. Adapters are
 * pure: they return argv arrays and parse outputs; the engine runs them over
 * the Target. Adding a family is adding one file that implements this.
 */
export type DistroFamily = 'debian' | 'alpine';

export interface KernelFlavor {
  /** Package that follows the newest kernel of this flavor (linux-image-cloud-amd64, linux-lts, linux-virt). */
  metaPackage: string;
}

export interface DistroAdapter {
  readonly family: DistroFamily;
  readonly os: OsRelease;
  /** Refresh the package index. */
  refreshIndex(): string[];
  install(packages: readonly string[]): string[];
  /** Upgrade the kernel (the flavor's meta package) to the newest available. */
  upgradeKernel(flavor: KernelFlavor): string[];
  /** Which meta package tracks the running kernel, from `uname -r`. */
  kernelFlavorFor(release: string, installedPackages: readonly string[]): KernelFlavor | null;
  /** Name of the SSH server service. */
  readonly sshService: string;
  reloadService(name: string): string[];
  restartService(name: string): string[];
  /** Regenerate the initramfs (after modprobe.d changes, which are copied into it). */
  regenerateInitramfs(kernelRelease?: string): string[];
  /** Load one sysctl.d file now. */
  sysctlLoadFile(path: string): string[];
  /** Where persistent sysctl settings go, and where modprobe settings go. */
  readonly sysctlDir: string;
  readonly modprobeDir: string;
  /** Package that provides a modprobe honouring `install M /bin/false` (kmod); null when the default one does. */
  kmodPackageNeeded(modprobeVersionOutput: string): string | null;
  /** Packages that provide docker-bench-security prerequisites etc. are asked by steps; this is the family's package for OpenSSH server. */
  readonly sshServerPackage: string;
}
