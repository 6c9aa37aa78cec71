import type { PlanWarning } from '../../../../shared/domain';
import type { PlannedCommand, PlannedFile, StepPlanDraft } from '../../engine/step';
import type { DistroAdapter } from '../../distro/types';
import { SECURITY_LIST_PATH, securityListContent } from './apt-sources';
import type { InspectedPackages } from './package-files';
import type { BootFacts, KernelFacts, KernelIndexView } from './probe';
import { compareKernelReleases, newestRelease } from './release';

/**
 * The kernel step's decision, a pure function of what the probe (and, when
 * asked, the private index refresh) found:
 *
 *   target  = the release in the package files (offline), else the release the
 *             newest meta package pulls in (null when the index does not know)
 *   upgrade = target is newer than everything installed
 *   reboot  = after the upgrade, the newest installed release is not the running one
 *   nothing to do = no upgrade, no reboot, no sources file to add
 *
 * Re-planning after a verified apply gives nothing to do: the running
 * release is then the newest one known.
 */
export interface KernelOptions {
  refreshIndex: boolean;
  addSecuritySource: boolean;
  packageFiles: string[];
}

export interface KernelPlanData {
  family: KernelFacts['family'];
  running: string;
  /** What `uname -r` must print after the reboot; null when only the install can tell (then the newest installed release is expected). */
  expectedRelease: string | null;
  flavorSuffix: string | null;
  metaPackage: string | null;
  boot: BootFacts;
  upload?: { dir: string; files: InspectedPackages['files'] };
  /** The sources file this plan writes (verified to be in place afterwards). */
  securityFile?: { path: string; content: string };
}

export interface KernelPlanInput {
  facts: KernelFacts;
  options: KernelOptions;
  distro: DistroAdapter;
  /** The index the plan decides on: the VM's own, or a refreshed private copy. */
  index: KernelIndexView;
  /** The security-suite line to add, when the option is on and the sources lack it. */
  securityLine: string | null;
  offline?: { inspected: InspectedPackages; uploadDir: string };
  /** What a private refresh with the security suite added offered, when the sources lack it and the plan did not add it. */
  securityOffer?: KernelIndexView;
}

/**
 * A newer kernel in a suite the VM's sources do not name: the plan would
 * otherwise call the running kernel "the newest known". Says which release
 * the suite offers and the option that takes it. Pure.
 */
export function unconfiguredSuiteNote(facts: Pick<KernelFacts, 'running' | 'codename'>, index: KernelIndexView, offer: KernelIndexView | undefined): PlanWarning | null {
  const offered = offer?.candidateRelease;
  if (!offer?.known || !offered) return null;
  const best = newestRelease([facts.running, index.candidateRelease]) ?? facts.running;
  if (compareKernelReleases(offered, best) <= 0) return null;
  const suite = `${facts.codename ?? 'this release'}-security`;
  return {
    kind: 'info',
    message: `${suite}, which the APT sources do not name, offers kernel ${offered} (${offer.metaCandidate ?? 'its meta package'}), newer than the ${best} the configured suites know. Turn on "Add the security suite" (hardenlab: --set addSecuritySource=true) to take it.`,
  };
}

const MIB = 1024 * 1024;

/** Commands that make the boot loader point at the newest kernel (Debian's /vmlinuz symlinks move by themselves). */
export function bootLoaderCommands(facts: KernelFacts): PlannedCommand[] {
  const b = facts.boot;
  if (facts.family === 'debian') {
    return b.grubCfg && b.updateGrub ? [{ argv: ['update-grub'], elevated: true, why: 'Write GRUB\'s menu so that its first entry boots the new kernel (the kernel package\'s hook does this too; running it again is harmless and makes sure).', timeoutMs: 5 * 60_000 }] : [];
  }
  const cmds: PlannedCommand[] = [];
  if (b.extlinuxConf && b.updateExtlinux) cmds.push({ argv: ['update-extlinux'], elevated: true, why: 'Rewrite /boot/extlinux.conf for the new kernel (the syslinux trigger normally does it already).', timeoutMs: 5 * 60_000 });
  if (b.grubCfg && b.grubMkconfig) cmds.push({ argv: ['grub-mkconfig', '-o', '/boot/grub/grub.cfg'], elevated: true, why: 'Rewrite GRUB\'s menu for the new kernel.', timeoutMs: 5 * 60_000 });
  return cmds;
}

function describeIndex(index: KernelIndexView, meta: string): string {
  const where = index.source === 'refreshed-copy' ? 'a freshly refreshed copy of the index' : "the VM's package index";
  if (!index.known) return `${where} does not say which ${meta} is newest${index.note ? ` (${index.note})` : ''}`;
  return `${where} offers ${meta} ${index.metaCandidate} (kernel ${index.candidateRelease})`;
}

export function planKernel(input: KernelPlanInput): StepPlanDraft<KernelPlanData> {
  const { facts, options, distro, index, securityLine, offline } = input;
  const warnings: PlanWarning[] = [];
  const offerNote = offline ? null : unconfiguredSuiteNote(facts, index, input.securityOffer);
  if (offerNote) warnings.push(offerNote);
  const files: PlannedFile[] = [];
  const commands: PlannedCommand[] = [];
  const meta = facts.flavor?.metaPackage ?? null;

  if (facts.family === 'debian' && facts.apt && !facts.apt.hasSecuritySuite && !options.addSecuritySource && !offline && !offerNote) {
    const codename = facts.codename ?? 'this release';
    warnings.push({
      kind: 'info',
      message: `The APT sources have no security suite (${codename}-security). Debian publishes kernel fixes there first, so this VM may never see them. Turn on "Add the security suite" to add it in ${SECURITY_LIST_PATH}.`,
    });
  }
  if (facts.family === 'alpine' && options.addSecuritySource) {
    warnings.push({ kind: 'info', message: 'Alpine has no separate security repository (fixes land in main and community); "Add the security suite" changes nothing here.' });
  }

  let securityFile: KernelPlanData['securityFile'];
  if (securityLine && !offline) {
    const content = securityListContent(securityLine);
    const before = facts.apt?.hardenlabListContent ?? null;
    if (before !== content) {
      files.push({ path: SECURITY_LIST_PATH, before, after: content, mode: '0644' });
      securityFile = { path: SECURITY_LIST_PATH, content };
    }
  }

  const target = offline ? offline.inspected.release : index.known ? index.candidateRelease : null;
  const installedNewest = newestRelease([...facts.installedReleases, facts.running]);
  const upgrade = target !== null && !facts.installedReleases.includes(target) && (installedNewest === null || compareKernelReleases(target, installedNewest) > 0);
  const olderOffline = offline && target !== null && compareKernelReleases(target, facts.running) < 0;
  const newestAfter = newestRelease([installedNewest, upgrade ? target : null]);
  const reboot = newestAfter !== null && newestAfter !== facts.running && !olderOffline;

  if (olderOffline) {
    warnings.push({ kind: 'info', message: `The package files hold kernel ${target}, which is older than the running ${facts.running}; nothing is installed.` });
  }
  if (!meta && !offline) {
    warnings.push({ kind: 'info', message: `No distribution package tracks the running kernel ${facts.running} (a custom or hand-installed kernel), so Harden Lab cannot upgrade it from the mirror. Give kernel package files instead.` });
  }
  if (meta && !offline && !index.known) {
    warnings.push({ kind: 'info', message: `The newest ${meta} is unknown: ${index.note ?? 'the package index has no entry for it'}.${options.refreshIndex ? '' : ' Plan with "Refresh the package index" on to look it up.'}` });
  } else if (index.note && !offline) {
    warnings.push({ kind: 'info', message: `Package index: ${index.note}.` });
  }

  // A new sources file is useless until the index is refreshed, whatever refreshIndex says.
  const refreshWanted = !offline && (files.length > 0 || (options.refreshIndex && upgrade));
  if (refreshWanted) {
    commands.push({ argv: distro.refreshIndex(), elevated: true, why: files.length > 0 ? 'Refresh the package index, now with the security suite, so the upgrade sees the newest kernel.' : 'Refresh the package index so the upgrade sees the newest kernel.', timeoutMs: 10 * 60_000 });
  }
  let packages: { install: string[]; remove: string[] } = { install: [], remove: [] };
  if (upgrade && offline) {
    const paths = offline.inspected.files.map((f) => `${offline.uploadDir}/${f.name}`);
    commands.push({
      // No recommends: without a mirror, apt could not fetch them anyway.
      argv: facts.family === 'debian' ? [...distro.install(paths), '-o', 'Dpkg::Options::=--force-confold'] : ['apk', 'add', '--quiet', ...paths],
      elevated: true,
      why: `Install kernel ${target} from the uploaded package files.`,
      timeoutMs: 20 * 60_000,
    });
    commands.push({ argv: ['rm', '-rf', '--', offline.uploadDir], elevated: true, why: 'Remove the uploaded package files.', optional: true });
    packages = { install: offline.inspected.files.map((f) => f.name), remove: [] };
  } else if (upgrade && facts.flavor) {
    commands.push({ argv: distro.upgradeKernel(facts.flavor), elevated: true, why: `Upgrade ${facts.flavor.metaPackage}, which installs kernel ${target}; the running kernel stays installed as the fallback${facts.family === 'alpine' ? ' until the reboot (Alpine replaces it in place)' : ''}.`, timeoutMs: 20 * 60_000 });
    packages = { install: index.upgradePackages.length > 0 ? index.upgradePackages.map((p) => `${p.name} ${p.version}`) : [`${facts.flavor.metaPackage} ${index.metaCandidate ?? ''}`.trim()], remove: [] };
  }
  if (upgrade || reboot) commands.push(...bootLoaderCommands(facts));

  if (reboot) {
    warnings.push({
      kind: 'reboot-required',
      message: `The VM reboots into ${newestAfter}. If it does not answer SSH again within the deadline, or boots another kernel, Harden Lab restores the snapshot taken before the change.`,
    });
  }
  if (!offline && (upgrade || refreshWanted)) {
    warnings.push({ kind: 'needs-network', message: `The VM downloads from its package mirror (${facts.family === 'debian' ? 'apt' : 'apk'})${upgrade ? '; installing a kernel takes minutes, most of it building the initramfs' : ''}.` });
  }
  if (offline && upgrade) {
    const total = offline.inspected.files.reduce((n, f) => n + f.size, 0);
    warnings.push({ kind: 'info', message: `Uploads ${offline.inspected.files.length} package file(s) (${(total / MIB).toFixed(1)} MiB) to ${offline.uploadDir} and checks each SHA-256 before installing.` });
    if (facts.family === 'alpine') {
      warnings.push({ kind: 'info', message: "apk checks each package's signature against /etc/apk/keys; packages you built yourself need your public key there first." });
    }
  }

  const nothingToDo = !upgrade && !reboot && files.length === 0;
  const metaText = meta ?? 'the kernel package';
  const known = offline ? `the package files hold kernel ${target}` : meta ? describeIndex(index, meta) : 'no package tracks it';
  let summary: string;
  if (nothingToDo) {
    summary = offerNote ? `Running ${facts.running}, the newest kernel the configured suites know: ${known}; a newer one is in the security suite (see the note).` : `Running ${facts.running}, the newest kernel known: ${known}.`;
  } else if (upgrade) {
    summary = `Running ${facts.running}; ${known}. ${files.length > 0 ? `Add the security suite, refresh the index, upgrade` : offline ? 'Upload and install the package files' : `Upgrade ${metaText}`} to kernel ${target}, then reboot into it and check \`uname -r\`.`;
  } else if (reboot) {
    summary = `Running ${facts.running}, but ${newestAfter} is already installed: reboot into it and check \`uname -r\`.`;
  } else {
    summary = `Running ${facts.running}, the newest kernel known (${known}). Add the security suite to the APT sources so that later fixes are seen.`;
  }

  return {
    summary,
    files,
    commands,
    packages,
    rebootRequired: reboot,
    warnings,
    nothingToDo,
    data: {
      family: facts.family,
      running: facts.running,
      expectedRelease: reboot ? newestAfter : null,
      flavorSuffix: facts.flavorSuffix,
      metaPackage: meta,
      boot: facts.boot,
      ...(offline && upgrade ? { upload: { dir: offline.uploadDir, files: offline.inspected.files } } : {}),
      ...(securityFile ? { securityFile } : {}),
    },
  };
}
