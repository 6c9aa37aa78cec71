import type { StepContext } from '../../engine/step';
import type { TargetProbeItem } from '../../engine/target';
import type { DistroAdapter, DistroFamily, KernelFlavor } from '../../distro/types';
import { HardenLabError } from '../../errors';
import { defineFact, type Answers } from '../../facts/provider';
import { parseAptSources, securityEntries, SECURITY_LIST_PATH, SOURCES_LISTING_SCRIPT, splitSourceFiles } from './apt-sources';
import {
  alpineFlavorOfMeta,
  alpineReleaseFor,
  debianInstalledReleases,
  flavorSuffixOf,
  newestRelease,
  parseApkInfo,
  parseApkPolicy,
  parseApkVersion,
  parseAptPolicy,
  parseAptSimulation,
  parseDpkgQuery,
  parseKernelReleaseFiles,
  releaseFromMetaShow,
} from './release';

/**
 * What the kernel step reads from the VM. The probe never refreshes the
 * package index (that changes the VM, and needs the network): it reports what
 * the VM's own index says. A plan that asks for a refresh looks at a private
 * copy of the index instead (previewIndex), which leaves the VM as it was.
 */
export interface KernelIndexView {
  /** Where the view comes from: the VM's index as it is, or a private copy refreshed for the plan. */
  source: 'vm-index' | 'refreshed-copy';
  metaInstalled: string | null;
  metaCandidate: string | null;
  /** The release the candidate meta package pulls in (what `uname -r` shows after the upgrade). */
  candidateRelease: string | null;
  /** False when no repository offers the meta package (an empty or missing index): the newest release is unknown. */
  known: boolean;
  /** What the upgrade would install (apt's simulation), name and version. */
  upgradePackages: Array<{ name: string; version: string }>;
  /** Why the view is incomplete, in words (a failed refresh, no index). */
  note?: string;
}

export interface BootFacts {
  /** Targets of the /vmlinuz and /vmlinuz.old symlinks (Debian with do_symlinks), as readlink prints them. */
  vmlinuz: string | null;
  vmlinuzOld: string | null;
  grubCfg: boolean;
  updateGrub: boolean;
  grubMkconfig: boolean;
  /** /boot/extlinux/extlinux.conf (Debian lab) or /boot/extlinux.conf (Alpine), when present. */
  extlinuxConf: string | null;
  updateExtlinux: boolean;
}

export interface KernelFacts {
  family: DistroFamily;
  osId: string;
  codename?: string;
  /** `uname -r` */
  running: string;
  /** `uname -a` */
  unameA: string;
  /** The meta package that follows this flavor (linux-image-cloud-amd64, linux-lts), or null for a kernel no package tracks. */
  flavor: KernelFlavor | null;
  /** cloud-amd64, lts... */
  flavorSuffix: string | null;
  /** Kernel packages installed, with versions (linux-image-* on Debian, linux-* on Alpine). */
  installedPackages: Array<{ name: string; version: string }>;
  /** Releases of this flavor installed on disk, oldest first. */
  installedReleases: string[];
  newestInstalled: string | null;
  /** Whether a newer kernel is installed than the one running (a reboot would change the kernel). */
  rebootPending: boolean;
  index: KernelIndexView;
  boot: BootFacts;
  /** Debian: APT sources. */
  apt?: {
    hasSecuritySuite: boolean;
    securityFiles: string[];
    /** The content of hardenlab-security.list when it exists (so a plan can show its diff exactly). */
    hardenlabListContent: string | null;
  };
}

const out = (r: TargetProbeItem | undefined): string => (r && r.code === 0 ? r.stdout : '');
const exists = (r: TargetProbeItem | undefined): boolean => r?.code === 0;

const BOOT_PROBES = {
  vmlinuz: ['readlink', '/vmlinuz'],
  vmlinuzOld: ['readlink', '/vmlinuz.old'],
  grubCfg: ['test', '-f', '/boot/grub/grub.cfg'],
  updateGrub: ['sh', '-c', 'command -v update-grub'],
  grubMkconfig: ['sh', '-c', 'command -v grub-mkconfig'],
  extlinuxConf: ['sh', '-c', 'for f in /boot/extlinux/extlinux.conf /boot/extlinux.conf; do if [ -f "$f" ]; then echo "$f"; exit 0; fi; done; exit 1'],
  updateExtlinux: ['sh', '-c', 'command -v update-extlinux'],
} as const;

function bootFacts(r: Record<keyof typeof BOOT_PROBES, TargetProbeItem>): BootFacts {
  return {
    vmlinuz: exists(r.vmlinuz) ? r.vmlinuz.stdout.trim() : null,
    vmlinuzOld: exists(r.vmlinuzOld) ? r.vmlinuzOld.stdout.trim() : null,
    grubCfg: exists(r.grubCfg),
    updateGrub: exists(r.updateGrub),
    grubMkconfig: exists(r.grubMkconfig),
    extlinuxConf: exists(r.extlinuxConf) ? r.extlinuxConf.stdout.trim() : null,
    updateExtlinux: exists(r.updateExtlinux),
  };
}

/** apt-cache policy/show and apt-get's simulation of the upgrade, read as one view. */
export function debianIndexView(source: KernelIndexView['source'], policyText: string, showText: string, simulateText: string, flavorSuffix: string | null): KernelIndexView {
  const policy = parseAptPolicy(policyText);
  if (!policy) return { source, metaInstalled: null, metaCandidate: null, candidateRelease: null, known: false, upgradePackages: [], note: 'apt does not know the meta package' };
  const candidateRelease = policy.candidate && flavorSuffix ? releaseFromMetaShow(showText, policy.candidate, flavorSuffix) : null;
  const sim = parseAptSimulation(simulateText);
  return {
    source,
    metaInstalled: policy.installed,
    metaCandidate: policy.candidate,
    candidateRelease,
    known: policy.fromRepository && candidateRelease !== null,
    upgradePackages: sim.install.map((p) => ({ name: p.name, version: p.version })),
    ...(policy.fromRepository ? {} : { note: 'no repository in the package index offers it (the index is empty or was never refreshed)' }),
  };
}

export function alpineIndexView(source: KernelIndexView['source'], policyText: string, versionText: string, meta: string): KernelIndexView {
  const flavor = alpineFlavorOfMeta(meta);
  const policy = parseApkPolicy(policyText);
  const version = parseApkVersion(versionText, meta);
  const installed = policy?.installed ?? version?.installed ?? null;
  const fromRepos = policy ? policy.versions.filter((v) => v.repositories.length > 0).map((v) => v.version) : [];
  const candidate = policy && fromRepos.length > 0 ? policy.newest : (version?.available ?? null);
  const candidateRelease = candidate && flavor ? alpineReleaseFor(candidate, flavor) : null;
  const known = candidateRelease !== null && (fromRepos.length > 0 || (version?.available ?? null) !== null);
  return {
    source,
    metaInstalled: installed,
    metaCandidate: candidate,
    candidateRelease,
    known,
    upgradePackages: candidate && installed && candidate !== installed ? [{ name: meta, version: candidate }] : [],
    ...(known ? {} : { note: 'no repository index offers it (run apk update, or plan with refreshIndex)' }),
  };
}

/** What the kernel step reads, in the operation's batch: the running kernel, boot files, packages and sources; then the index of the meta package that tracks it. */
export const kernelPackages = defineFact<{ first: Answers; second: Answers }>({
  id: 'kernel.packages',
  commands: (env) =>
    ({
      unameR: ['uname', '-r'],
      unameA: ['uname', '-a'],
      ...BOOT_PROBES,
      ...(env.distro.family === 'debian'
        ? {
            dpkg: ['dpkg-query', '-W', '-f', '${Package}\t${Version}\t${db:Status-Abbrev}\n', 'linux-image-*'],
            sources: ['sh', '-c', SOURCES_LISTING_SCRIPT],
          }
        : {
            apkInfo: ['apk', 'info', '-v'],
            kernelRelease: ['sh', '-c', 'for f in /usr/share/kernel/*/kernel.release; do if [ -f "$f" ]; then printf "%s\\t" "$f"; cat "$f"; fi; done; true'],
          }),
    }) as Record<string, readonly string[]>,
  then(first, env): Record<string, readonly string[]> | undefined {
    const flavor = flavorOf(first, env.distro);
    if (!flavor) return undefined;
    return env.distro.family === 'debian'
      ? {
          policy: ['apt-cache', 'policy', flavor.metaPackage],
          show: ['apt-cache', 'show', flavor.metaPackage],
          simulate: ['apt-get', '-s', '-o', 'Debug::NoLocking=1', 'install', '--only-upgrade', flavor.metaPackage],
        }
      : { policy: ['apk', 'policy', flavor.metaPackage], version: ['apk', 'version', flavor.metaPackage] };
  },
  parse: (first, second) => ({ first, second }),
});

function apkKernelPackages(first: Answers) {
  return parseApkInfo(out(first.apkInfo)).filter((p) => /^linux-[a-z0-9]+$/.test(p.name));
}

function flavorOf(first: Answers, distro: DistroAdapter): KernelFlavor | null {
  const running = out(first.unameR).trim();
  if (!running) return null;
  const names = distro.family === 'debian' ? parseDpkgQuery(out(first.dpkg)).filter((p) => p.installed).map((p) => p.name) : apkKernelPackages(first).map((p) => p.name);
  return distro.kernelFlavorFor(running, names);
}

export async function probeKernel(ctx: StepContext): Promise<KernelFacts> {
  const family = ctx.distro.family;
  const { first, second: answers } = await ctx.facts.get(kernelPackages);
  const running = out(first.unameR).trim();
  if (!running) throw new HardenLabError('REMOTE_COMMAND_FAILED', `\`uname -r\` gave nothing on ${ctx.profile.host}.`);
  const boot = bootFacts(first as Record<keyof typeof BOOT_PROBES, TargetProbeItem>);
  const flavorSuffix = flavorSuffixOf(running);

  if (family === 'debian') {
    const pkgs = parseDpkgQuery(out(first.dpkg));
    const installed = pkgs.filter((p) => p.installed);
    const flavor = ctx.distro.kernelFlavorFor(running, installed.map((p) => p.name));
    const installedReleases = flavorSuffix ? debianInstalledReleases(pkgs, flavorSuffix) : [];
    const newestInstalled = newestRelease([...installedReleases, running]);
    const files = splitSourceFiles(out(first.sources));
    const entries = parseAptSources(files);
    const sec = securityEntries(entries, ctx.distro.os.versionCodename);
    const second = flavor ? answers : null;
    const index = second
      ? debianIndexView('vm-index', out(second.policy), out(second.show), out(second.simulate), flavorSuffix)
      : { source: 'vm-index' as const, metaInstalled: null, metaCandidate: null, candidateRelease: null, known: false, upgradePackages: [], note: `no meta package tracks ${running}` };
    return {
      family,
      osId: ctx.distro.os.id,
      ...(ctx.distro.os.versionCodename ? { codename: ctx.distro.os.versionCodename } : {}),
      running,
      unameA: out(first.unameA).trim(),
      flavor,
      flavorSuffix,
      installedPackages: installed.map((p) => ({ name: p.name, version: p.version })),
      installedReleases,
      newestInstalled,
      rebootPending: newestInstalled !== null && newestInstalled !== running,
      index,
      boot,
      apt: {
        hasSecuritySuite: sec.length > 0,
        securityFiles: [...new Set(sec.map((e) => e.file))],
        hardenlabListContent: files.find((f) => f.path === SECURITY_LIST_PATH)?.content ?? null,
      },
    };
  }

  // Alpine: one kernel per flavor; its package replaces the old one, so the
  // installed release is kernel.release, not a list of packages.
  const apkPkgs = apkKernelPackages(first);
  const flavor = ctx.distro.kernelFlavorFor(running, apkPkgs.map((p) => p.name));
  const releases = parseKernelReleaseFiles(out(first.kernelRelease));
  const flavorName = flavor ? alpineFlavorOfMeta(flavor.metaPackage) : null;
  const installedRelease = flavorName ? (releases[flavorName] ?? null) : null;
  const second = flavor ? answers : null;
  const index = second && flavor
    ? alpineIndexView('vm-index', out(second.policy), out(second.version), flavor.metaPackage)
    : { source: 'vm-index' as const, metaInstalled: null, metaCandidate: null, candidateRelease: null, known: false, upgradePackages: [], note: `no meta package tracks ${running}` };
  const newestInstalled = newestRelease([installedRelease, running]);
  return {
    family,
    osId: ctx.distro.os.id,
    running,
    unameA: out(first.unameA).trim(),
    flavor,
    flavorSuffix,
    installedPackages: apkPkgs,
    installedReleases: installedRelease ? [installedRelease] : [],
    newestInstalled,
    rebootPending: installedRelease !== null && installedRelease !== running,
    index,
    boot,
  };
}
