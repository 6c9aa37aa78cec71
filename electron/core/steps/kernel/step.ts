import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defaultApply } from '../../engine/engine';
import type { AuditCheckDraft, StepContext, StepDefinition, StepPlanDraft, VerifyCheck } from '../../engine/step';
import { HardenLabError } from '../../errors';
import { securitySourceLine } from './apt-sources';
import { bootReadinessProbe, evaluateBootReadiness, installedReleaseAfter } from './boot-ready';
import { inspectPackageFiles } from './package-files';
import { planKernel, type KernelOptions, type KernelPlanData } from './plan';
import { previewIndex } from './preview';
import { kernelPackages, probeKernel, type KernelFacts } from './probe';
import { compareKernelReleases, newestRelease } from './release';
import { uploadDirFor, uploadFiles } from './upload';

/**
 * Kernel upgrade: the guide's first practice. Containers share the host's
 * kernel, so its bugs are every container's bugs, and many are fixed only in
 * newer kernels. Probe what runs and what is installed; plan from a refreshed
 * (private) copy of the index what the newest kernel is; apply installs it and
 * checks that the boot loader will start it; the engine reboots and waits for
 * SSH; verify proves with `uname -r` that the new kernel runs. A kernel that
 * does not come back in time is a lost VM: the engine restores the snapshot.
 */
export const kernelOptions = z
  .object({
    /** Refresh the package index before upgrading (and look at a refreshed private copy when planning). */
    refreshIndex: z.boolean().default(true),
    /** Debian/Ubuntu: add <codename>-security to the APT sources when missing. */
    addSecuritySource: z.boolean().default(false),
    /** Offline: absolute paths of .deb or .apk files on this machine, uploaded and installed instead of the mirror. */
    packageFiles: z.array(z.string().min(1).max(4096)).max(64).default([]),
  })
  .strict();

/** Apply covers the index refresh and the install (about 5 min under TCG, most of it the initramfs); the reboot has its own deadline in the engine. */
const APPLY_TIMEOUT_MS = 25 * 60_000;

async function planWithContext(facts: KernelFacts, options: KernelOptions, ctx: StepContext): Promise<StepPlanDraft<KernelPlanData>> {
  const offlineWanted = options.packageFiles.length > 0;
  if (offlineWanted && options.addSecuritySource) {
    throw new HardenLabError('BAD_INPUT', 'packageFiles installs from files on this machine, and addSecuritySource needs the package mirror: choose one.', {
      hint: 'For a lab without a mirror, give the package files and leave addSecuritySource off.',
    });
  }
  let securityLine: string | null = null;
  if (options.addSecuritySource && facts.family === 'debian' && facts.apt && !facts.apt.hasSecuritySuite) {
    securityLine = securitySourceLine(ctx.distro.os);
    if (!securityLine) {
      throw new HardenLabError('BAD_INPUT', `Harden Lab does not know the security suite of ${ctx.distro.os.prettyName}.`, {
        hint: 'Add the security suite to the APT sources by hand, or plan without addSecuritySource.',
      });
    }
  }
  if (offlineWanted) {
    const inspected = await inspectPackageFiles(options.packageFiles, facts.family, facts.flavorSuffix);
    return planKernel({ facts, options, distro: ctx.distro, index: facts.index, securityLine: null, offline: { inspected, uploadDir: uploadDirFor(randomBytes(6).toString('hex')) } });
  }
  const index = options.refreshIndex || securityLine ? await previewIndex(ctx, facts, securityLine) : facts.index;
  // Sources without the security suite: look there too (read-only, a second private refresh), so the plan can say what it would offer.
  const lacksSecurity = facts.family === 'debian' && facts.apt && !facts.apt.hasSecuritySuite && !options.addSecuritySource && options.refreshIndex;
  const offerLine = lacksSecurity ? securitySourceLine(ctx.distro.os) : null;
  const securityOffer = offerLine ? await previewIndex(ctx, facts, offerLine) : undefined;
  return planKernel({ facts, options, distro: ctx.distro, index, securityLine, ...(securityOffer ? { securityOffer } : {}) });
}

/** Apply: upload (offline), write the sources file, run the commands, then prove the boot loader will start the new kernel. */
export async function applyKernel(draft: StepPlanDraft<KernelPlanData>, ctx: StepContext): Promise<void> {
  const data = draft.data;
  if (!data) throw new HardenLabError('INTERNAL', 'The kernel plan carries no data.');
  if (data.upload) await uploadFiles(ctx.target, data.upload.dir, data.upload.files, { elevate: true, log: ctx.log });
  await defaultApply(draft, ctx);
  if (!draft.rebootRequired) return;
  let release = data.expectedRelease;
  let results = await ctx.target.probe(bootReadinessProbe(data, release), { elevate: true });
  if (!release) {
    release = installedReleaseAfter(data, results);
    if (!release) throw new HardenLabError('VERIFY_FAILED', 'After the install, no kernel of the running flavor is listed as installed.');
    results = await ctx.target.probe(bootReadinessProbe(data, release), { elevate: true });
  }
  const ready = evaluateBootReadiness(data, release, results);
  for (const n of ready.notes) ctx.log(n);
  for (const c of ready.checks) ctx.log(`${c.ok ? 'OK' : 'FAILED'}: ${c.name} (${c.evidence})`);
  const bad = ready.checks.filter((c) => !c.ok);
  if (bad.length > 0) {
    throw new HardenLabError('VERIFY_FAILED', `Kernel ${release} is not ready to boot: ${bad.map((c) => `${c.name} (${c.evidence})`).join('; ')}.`, {
      hint: 'Nothing was rebooted; the snapshot is restored.',
    });
  }
}

export async function verifyKernel(draft: StepPlanDraft<KernelPlanData>, ctx: StepContext): Promise<VerifyCheck[]> {
  const data = draft.data;
  if (!data) throw new HardenLabError('INTERNAL', 'The kernel plan carries no data.');
  const checks: VerifyCheck[] = [];
  if (data.securityFile) {
    const now = await ctx.target.readFile(data.securityFile.path);
    checks.push({ name: `${data.securityFile.path} adds the security suite`, ok: now === data.securityFile.content, evidence: now === null ? 'missing' : now === data.securityFile.content ? now.trim().split('\n').pop()! : 'different content' });
  }
  if (!draft.rebootRequired) return checks;
  const r = await ctx.target.probe({ unameR: ['uname', '-r'], unameA: ['uname', '-a'] });
  const running = r.unameR.stdout.trim();
  let expected = data.expectedRelease;
  if (!expected) {
    const after = await ctx.target.probe(bootReadinessProbe(data, null), { elevate: true });
    expected = installedReleaseAfter(data, after);
  }
  checks.push({ name: `The VM runs kernel ${expected ?? 'the newest installed'}`, ok: expected !== null && running === expected, evidence: `uname -r: ${running}; uname -a: ${r.unameA.stdout.trim()}` });
  const mods = await ctx.target.exec(['test', '-f', `/lib/modules/${running}/modules.dep`]);
  checks.push({ name: `The running kernel has its modules in /lib/modules/${running}`, ok: mods.code === 0, evidence: mods.code === 0 ? 'modules.dep present' : 'modules.dep missing' });
  return checks;
}

export function auditKernel(facts: KernelFacts): AuditCheckDraft[] {
  const checks: AuditCheckDraft[] = [];
  const newestKnown = facts.index.known ? newestRelease([facts.index.candidateRelease, facts.newestInstalled, facts.running]) : null;
  const metaText = facts.flavor?.metaPackage ?? 'no meta package';
  if (!facts.flavor) {
    checks.push({ id: 'kernel.latest', title: 'The newest kernel runs', status: 'skip', evidence: `uname -r: ${facts.running}; no distribution package tracks this kernel` });
  } else if (!newestKnown) {
    checks.push({ id: 'kernel.latest', title: 'The newest kernel runs', status: 'skip', evidence: `uname -r: ${facts.running}; the newest ${metaText} is unknown: ${facts.index.note ?? 'the index does not say'}` });
  } else {
    const pass = compareKernelReleases(facts.running, newestKnown) >= 0;
    checks.push({
      id: 'kernel.latest',
      title: 'The newest kernel runs',
      status: pass ? 'pass' : 'fail',
      evidence: `uname -r: ${facts.running}; newest known: ${newestKnown} (${metaText} candidate ${facts.index.metaCandidate ?? '?'} in the VM's index)`,
    });
  }
  checks.push({
    id: 'kernel.reboot-pending',
    title: 'No newer installed kernel waits for a reboot',
    status: facts.rebootPending ? 'fail' : 'pass',
    evidence: `uname -r: ${facts.running}; newest installed: ${facts.newestInstalled ?? 'unknown'}${facts.installedReleases.length ? ` (installed: ${facts.installedReleases.join(', ')})` : ''}`,
  });
  if (facts.family === 'debian' && facts.apt) {
    checks.push({
      id: 'kernel.security-source',
      title: 'The package sources include the security suite',
      status: facts.apt.hasSecuritySuite ? 'pass' : 'fail',
      evidence: facts.apt.hasSecuritySuite ? `found in ${facts.apt.securityFiles.join(', ')}` : `no ${facts.codename ?? '<codename>'}-security entry in /etc/apt/sources.list or sources.list.d`,
    });
  }
  return checks;
}

export const kernelStep: StepDefinition<KernelFacts, KernelOptions, KernelPlanData> = {
  id: 'kernel',
  title: 'Run the newest kernel',
  summary: 'Upgrade to the newest kernel the distribution offers, reboot into it, and prove it runs.',
  why: 'Containers share the host kernel: a kernel bug is a bug in every container, and an escape lands on the host. Many such bugs are fixed only in newer kernels, and an installed kernel protects nothing until the VM reboots into it.',
  guideOrder: 10,
  readOnly: false,
  options: kernelOptions,
  optionFields: [
    { name: 'refreshIndex', label: 'Refresh the package index', help: 'Plan from a freshly downloaded index (a private copy; the VM is not changed) and refresh the VM\'s index before upgrading.', type: 'boolean', default: true },
    { name: 'addSecuritySource', label: 'Add the security suite', help: 'Debian/Ubuntu: add <codename>-security to the APT sources when they lack it; kernel fixes arrive there first.', type: 'boolean', default: false },
    { name: 'packageFiles', label: 'Package files (offline)', help: 'Absolute paths of .deb or .apk files on this machine, for a lab without a mirror: uploaded, checked and installed instead.', type: 'string-list', default: [] },
  ],
  applyTimeoutMs: APPLY_TIMEOUT_MS,
  // The new kernel is only proved once the VM boots it again from its boot loader, not just after the install.
  proveRebootByDefault: true,

  facts: [kernelPackages],
  probe: probeKernel,
  plan: planWithContext,
  apply: applyKernel,
  verify: verifyKernel,
  audit: auditKernel,
};
