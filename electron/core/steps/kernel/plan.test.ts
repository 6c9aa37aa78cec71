import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../../shared/diff';
import { alpineAdapter } from '../../distro/alpine';
import { debianAdapter } from '../../distro/debian';
import { parseOsRelease } from '../../distro/os-release';
import { SECURITY_LIST_PATH } from './apt-sources';
import { planKernel, type KernelOptions } from './plan';
import { alpineIndexView, debianIndexView, type KernelFacts } from './probe';
import { parseSections, refreshProblems } from './preview';
import { auditKernel } from './step';

const fx = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const distroFx = (name: string): string => readFileSync(join(import.meta.dirname, '../../distro/fixtures', name), 'utf8');

const debian = debianAdapter(parseOsRelease(distroFx('debian-12-os-release')));
const alpine = alpineAdapter(parseOsRelease(distroFx('alpine-3.20-os-release')));
const opts = (o: Partial<KernelOptions> = {}): KernelOptions => ({ refreshIndex: true, addSecuritySource: false, packageFiles: [], ...o });

const LAB_BOOT = { vmlinuz: 'boot/vmlinuz-6.1.0-50-cloud-amd64', vmlinuzOld: 'boot/vmlinuz-6.1.0-50-cloud-amd64', grubCfg: false, updateGrub: false, grubMkconfig: false, extlinuxConf: '/boot/extlinux/extlinux.conf', updateExtlinux: false };

/** The lab VM as probed: Debian 12, 6.1.0-50 running, bookworm main only, an empty index. */
function labFacts(over: Partial<KernelFacts> = {}): KernelFacts {
  return {
    family: 'debian',
    osId: 'debian',
    codename: 'bookworm',
    running: '6.1.0-50-cloud-amd64',
    unameA: fx('debian12-uname-a.txt').trim(),
    flavor: { metaPackage: 'linux-image-cloud-amd64' },
    flavorSuffix: 'cloud-amd64',
    installedPackages: [
      { name: 'linux-image-6.1.0-50-cloud-amd64', version: '6.1.176-1' },
      { name: 'linux-image-cloud-amd64', version: '6.1.176-1' },
    ],
    installedReleases: ['6.1.0-50-cloud-amd64'],
    newestInstalled: '6.1.0-50-cloud-amd64',
    rebootPending: false,
    index: debianIndexView('vm-index', fx('debian12-apt-policy-empty-index.txt'), '', fx('debian12-apt-simulate-upgrade-none.txt'), 'cloud-amd64'),
    boot: LAB_BOOT,
    apt: { hasSecuritySuite: false, securityFiles: [], hardenlabListContent: null },
    ...over,
  };
}

const securityIndex = debianIndexView('refreshed-copy', fx('debian12-apt-policy-security.txt'), fx('debian12-apt-show-security.txt'), fx('debian12-apt-simulate-upgrade-security.txt'), 'cloud-amd64');
const mainIndex = debianIndexView('refreshed-copy', fx('debian12-apt-policy-main.txt'), fx('debian12-apt-show-main.txt'), fx('debian12-apt-simulate-upgrade-none.txt'), 'cloud-amd64');
const LINE = 'deb http://deb.debian.org/debian-security bookworm-security main';

describe('kernel plan (Debian, recorded on the lab VM)', () => {
  it('reads the index views', () => {
    expect(labFacts().index).toMatchObject({ known: false, metaCandidate: '6.1.176-1', candidateRelease: null });
    expect(mainIndex).toMatchObject({ known: true, candidateRelease: '6.1.0-50-cloud-amd64', upgradePackages: [] });
    expect(securityIndex).toMatchObject({ known: true, metaCandidate: '6.1.192-2', candidateRelease: '6.1.0-56-cloud-amd64' });
  });

  it('with bookworm main only, and bookworm-security (not in the sources) offering 6.1.0-56: says so and names the option', () => {
    const d = planKernel({ facts: labFacts(), options: opts(), distro: debian, index: mainIndex, securityLine: null, securityOffer: securityIndex });
    expect(d.nothingToDo).toBe(true);
    expect(d.summary).toMatch(/^Running 6\.1\.0-50-cloud-amd64, the newest kernel the configured suites know: .*a newer one is in the security suite/);
    const notes = d.warnings!.filter((w) => /security/.test(w.message));
    expect(notes.map((w) => w.message)).toEqual([
      'bookworm-security, which the APT sources do not name, offers kernel 6.1.0-56-cloud-amd64 (6.1.192-2), newer than the 6.1.0-50-cloud-amd64 the configured suites know. Turn on "Add the security suite" (hardenlab: --set addSecuritySource=true) to take it.',
    ]);
    // Nothing newer there (the same index), or a failed look: no such note, the plain suggestion stays.
    for (const offer of [mainIndex, { ...securityIndex, known: false }, undefined]) {
      const plain = planKernel({ facts: labFacts(), options: opts(), distro: debian, index: mainIndex, securityLine: null, ...(offer ? { securityOffer: offer } : {}) });
      expect(plain.warnings!.some((w) => /which the APT sources do not name/.test(w.message))).toBe(false);
      expect(plain.warnings!.some((w) => /no security suite \(bookworm-security\)/.test(w.message))).toBe(true);
    }
  });

  it('with bookworm main only: nothing to do, and a warning that suggests the security suite', () => {
    const d = planKernel({ facts: labFacts(), options: opts(), distro: debian, index: mainIndex, securityLine: null });
    expect(d.nothingToDo).toBe(true);
    expect(d.rebootRequired).toBe(false);
    expect(d.commands).toEqual([]);
    expect(d.summary).toMatch(/Running 6\.1\.0-50-cloud-amd64, the newest kernel known: a freshly refreshed copy of the index offers linux-image-cloud-amd64 6\.1\.176-1/);
    expect(d.warnings?.find((w) => /no security suite \(bookworm-security\)/.test(w.message))).toBeDefined();
  });

  it('with the security suite added: the sources file, refresh, upgrade to 6.1.0-56, reboot', () => {
    const d = planKernel({ facts: labFacts(), options: opts({ addSecuritySource: true }), distro: debian, index: securityIndex, securityLine: LINE });
    expect(d.nothingToDo).toBe(false);
    expect(d.rebootRequired).toBe(true);
    expect(d.files).toEqual([{ path: SECURITY_LIST_PATH, before: null, after: `# Added by Harden Lab: kernel and other security fixes reach this release here first.\n${LINE}\n`, mode: '0644' }]);
    expect(unifiedDiff(d.files[0]!.path, d.files[0]!.before, d.files[0]!.after)).toContain(`+${LINE}`);
    expect(d.commands.map((c) => c.argv.join(' '))).toEqual([
      'env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get update -q',
      'env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get install -y -q -o Dpkg::Options::=--force-confold --only-upgrade linux-image-cloud-amd64',
    ]);
    expect(d.commands.every((c) => c.elevated)).toBe(true);
    expect(d.packages?.install).toEqual(['apparmor 3.0.8-3', 'firmware-linux-free 20200122-1', 'linux-image-6.1.0-56-cloud-amd64 6.1.192-2', 'linux-image-cloud-amd64 6.1.192-2']);
    expect(d.summary).toMatch(/Running 6\.1\.0-50-cloud-amd64; .*6\.1\.192-2 \(kernel 6\.1\.0-56-cloud-amd64\)/);
    expect(d.warnings?.map((w) => w.kind).sort()).toEqual(['needs-network', 'reboot-required']);
    expect(d.data).toMatchObject({ running: '6.1.0-50-cloud-amd64', expectedRelease: '6.1.0-56-cloud-amd64', securityFile: { path: SECURITY_LIST_PATH } });
  });

  it('refreshes after adding the security suite even when refreshIndex is off', () => {
    const d = planKernel({ facts: labFacts(), options: opts({ addSecuritySource: true, refreshIndex: false }), distro: debian, index: securityIndex, securityLine: LINE });
    expect(d.commands.map((c) => c.argv[4])).toEqual(['update', 'install']);
    const noFile = planKernel({ facts: labFacts(), options: opts({ refreshIndex: false }), distro: debian, index: { ...securityIndex, source: 'vm-index' }, securityLine: null });
    expect(noFile.commands.map((c) => c.argv[4])).toEqual(['install']);
  });

  it('re-planned after the upgrade and reboot: nothing to do (idempotent)', () => {
    const after = labFacts({
      running: '6.1.0-56-cloud-amd64',
      installedReleases: ['6.1.0-50-cloud-amd64', '6.1.0-56-cloud-amd64'],
      newestInstalled: '6.1.0-56-cloud-amd64',
      apt: { hasSecuritySuite: true, securityFiles: [SECURITY_LIST_PATH], hardenlabListContent: `# Added by Harden Lab: kernel and other security fixes reach this release here first.\n${LINE}\n` },
    });
    const d = planKernel({ facts: after, options: opts({ addSecuritySource: true }), distro: debian, index: { ...securityIndex, metaInstalled: '6.1.192-2', upgradePackages: [] }, securityLine: null });
    expect(d.nothingToDo).toBe(true);
    expect(d.files).toEqual([]);
    expect(d.commands).toEqual([]);
  });

  it('installed but not running: a reboot only, with the boot loader refreshed on GRUB systems', () => {
    const facts = labFacts({
      installedReleases: ['6.1.0-50-cloud-amd64', '6.1.0-56-cloud-amd64'],
      newestInstalled: '6.1.0-56-cloud-amd64',
      rebootPending: true,
      boot: { ...LAB_BOOT, grubCfg: true, updateGrub: true },
    });
    const d = planKernel({ facts, options: opts(), distro: debian, index: securityIndex, securityLine: null });
    expect(d.nothingToDo).toBe(false);
    expect(d.rebootRequired).toBe(true);
    expect(d.commands.map((c) => c.argv.join(' '))).toEqual(['update-grub']);
    expect(d.summary).toMatch(/but 6\.1\.0-56-cloud-amd64 is already installed: reboot into it/);
    expect(d.data?.expectedRelease).toBe('6.1.0-56-cloud-amd64');
  });

  it('an unknown newest kernel (empty index, no refresh) says so instead of claiming it is the newest', () => {
    const d = planKernel({ facts: labFacts(), options: opts({ refreshIndex: false }), distro: debian, index: labFacts().index, securityLine: null });
    expect(d.nothingToDo).toBe(true);
    expect(d.summary).toMatch(/does not say which linux-image-cloud-amd64 is newest/);
    expect(d.warnings?.some((w) => /newest linux-image-cloud-amd64 is unknown.*Refresh the package index/.test(w.message))).toBe(true);
  });

  it('offline: the files decide the release, the upload dir is in the commands, no refresh, no network warning', () => {
    const inspected = {
      files: [{ localPath: '/srv/k/linux-image-6.1.0-56-cloud-amd64_6.1.192-2_amd64.deb', name: 'linux-image-6.1.0-56-cloud-amd64_6.1.192-2_amd64.deb', size: 30 * 1024 * 1024, sha256: 'a'.repeat(64) }],
      release: '6.1.0-56-cloud-amd64',
      kernelPackage: 'linux-image-6.1.0-56-cloud-amd64',
    };
    const dir = '/var/tmp/hardenlab-kernel-0123456789ab';
    const d = planKernel({ facts: labFacts(), options: opts({ packageFiles: [inspected.files[0]!.localPath] }), distro: debian, index: labFacts().index, securityLine: null, offline: { inspected, uploadDir: dir } });
    expect(d.rebootRequired).toBe(true);
    expect(d.commands.map((c) => c.argv.join(' '))).toEqual([
      `env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get install -y -q --no-install-recommends ${dir}/linux-image-6.1.0-56-cloud-amd64_6.1.192-2_amd64.deb -o Dpkg::Options::=--force-confold`,
      `rm -rf -- ${dir}`,
    ]);
    expect(d.commands[1]!.optional).toBe(true);
    expect(d.warnings?.map((w) => w.kind)).not.toContain('needs-network');
    expect(d.warnings?.some((w) => /Uploads 1 package file\(s\) \(30\.0 MiB\)/.test(w.message))).toBe(true);
    expect(d.data?.upload).toEqual({ dir, files: inspected.files });
    // The same files again once that kernel runs: nothing to do.
    const after = labFacts({ running: '6.1.0-56-cloud-amd64', installedReleases: ['6.1.0-50-cloud-amd64', '6.1.0-56-cloud-amd64'], newestInstalled: '6.1.0-56-cloud-amd64' });
    expect(planKernel({ facts: after, options: opts(), distro: debian, index: after.index, securityLine: null, offline: { inspected, uploadDir: dir } }).nothingToDo).toBe(true);
  });
});

describe('kernel plan (Alpine, recorded format)', () => {
  const alpineFacts = (over: Partial<KernelFacts> = {}): KernelFacts => ({
    family: 'alpine',
    osId: 'alpine',
    running: '6.6.31-0-lts',
    unameA: 'Linux alpine 6.6.31-0-lts #1-Alpine SMP PREEMPT_DYNAMIC x86_64 Linux',
    flavor: { metaPackage: 'linux-lts' },
    flavorSuffix: 'lts',
    installedPackages: [{ name: 'linux-lts', version: '6.6.31-r0' }],
    installedReleases: ['6.6.31-0-lts'],
    newestInstalled: '6.6.31-0-lts',
    rebootPending: false,
    index: alpineIndexView('vm-index', fx('alpine-3.20-apk-policy-linux-lts.txt'), fx('alpine-3.20-apk-version-linux-lts.txt'), 'linux-lts'),
    boot: { vmlinuz: null, vmlinuzOld: null, grubCfg: false, updateGrub: false, grubMkconfig: false, extlinuxConf: '/boot/extlinux.conf', updateExtlinux: true },
    ...over,
  });

  it('upgrades linux-lts with apk add -u, rewrites extlinux.conf and reboots into 6.6.58-0-lts', () => {
    const f = alpineFacts();
    expect(f.index).toMatchObject({ known: true, metaInstalled: '6.6.31-r0', metaCandidate: '6.6.58-r0', candidateRelease: '6.6.58-0-lts' });
    const d = planKernel({ facts: f, options: opts(), distro: alpine, index: f.index, securityLine: null });
    expect(d.commands.map((c) => c.argv.join(' '))).toEqual(['apk update --quiet', 'apk add -u --quiet linux-lts', 'update-extlinux']);
    expect(d.rebootRequired).toBe(true);
    expect(d.data?.expectedRelease).toBe('6.6.58-0-lts');
    expect(d.packages?.install).toEqual(['linux-lts 6.6.58-r0']);
  });

  it('a pending reboot: kernel.release already names the new kernel', () => {
    const f = alpineFacts({ installedReleases: ['6.6.58-0-lts'], newestInstalled: '6.6.58-0-lts', rebootPending: true, index: alpineIndexView('vm-index', fx('alpine-3.20-apk-policy-linux-lts-current.txt'), '', 'linux-lts') });
    const d = planKernel({ facts: f, options: opts(), distro: alpine, index: f.index, securityLine: null });
    expect(d.commands.map((c) => c.argv.join(' '))).toEqual(['update-extlinux']);
    expect(d.rebootRequired).toBe(true);
    const audit = auditKernel(f);
    expect(audit.find((c) => c.id === 'kernel.reboot-pending')).toMatchObject({ status: 'fail' });
    expect(audit.find((c) => c.id === 'kernel.latest')).toMatchObject({ status: 'fail' });
  });

  it('says that Alpine has no security suite to add', () => {
    const f = alpineFacts();
    const d = planKernel({ facts: f, options: opts({ addSecuritySource: true }), distro: alpine, index: f.index, securityLine: null });
    expect(d.files).toEqual([]);
    expect(d.warnings?.some((w) => /Alpine has no separate security repository/.test(w.message))).toBe(true);
  });
});

describe('kernel audit', () => {
  it('skips kernel.latest on an empty index, fails it when a newer kernel is offered, passes when the newest runs', () => {
    const empty = auditKernel(labFacts());
    expect(empty.find((c) => c.id === 'kernel.latest')).toMatchObject({ status: 'skip' });
    expect(empty.find((c) => c.id === 'kernel.latest')?.evidence).toMatch(/uname -r: 6\.1\.0-50-cloud-amd64; the newest linux-image-cloud-amd64 is unknown/);
    expect(empty.find((c) => c.id === 'kernel.reboot-pending')).toMatchObject({ status: 'pass' });
    expect(empty.find((c) => c.id === 'kernel.security-source')).toMatchObject({ status: 'fail' });
    const offered = auditKernel(labFacts({ index: { ...securityIndex, source: 'vm-index' } }));
    expect(offered.find((c) => c.id === 'kernel.latest')).toMatchObject({ status: 'fail' });
    expect(offered.find((c) => c.id === 'kernel.latest')?.evidence).toMatch(/newest known: 6\.1\.0-56-cloud-amd64/);
    const current = auditKernel(labFacts({ index: { ...mainIndex, source: 'vm-index' } }));
    expect(current.find((c) => c.id === 'kernel.latest')).toMatchObject({ status: 'pass' });
  });
});

describe('private index preview output', () => {
  it('splits the sections and finds failed downloads', () => {
    const out = '### begin update\nGet:1 http://deb.debian.org/debian bookworm InRelease [151 kB]\nErr:2 http://deb.debian.org/debian-security bookworm-security InRelease\n  Temporary failure resolving \'deb.debian.org\'\nW: Failed to fetch http://deb.debian.org/debian-security/dists/bookworm-security/InRelease  Temporary failure resolving\nW: Some index files failed to download. They have been ignored, or old ones used instead.\n### end update rc=0\n### begin policy\nlinux-image-cloud-amd64:\n  Installed: 6.1.176-1\n### end policy rc=0\n';
    const s = parseSections(out);
    expect(Object.keys(s)).toEqual(['update', 'policy']);
    expect(s.policy).toEqual({ rc: 0, text: 'linux-image-cloud-amd64:\n  Installed: 6.1.176-1\n' });
    expect(refreshProblems(s.update!.text)).toHaveLength(3);
    expect(refreshProblems('Get:1 http://x InRelease\nReading package lists...\n')).toEqual([]);
  });
});
