import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alpineReleaseFor,
  compareApkVersions,
  compareKernelReleases,
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
  splitApkNameVersion,
} from './release';

const fx = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('kernel releases', () => {
  it('orders releases by their numbers, not as text', () => {
    expect(compareKernelReleases('6.1.0-56-cloud-amd64', '6.1.0-50-cloud-amd64')).toBe(1);
    expect(compareKernelReleases('6.1.0-9-amd64', '6.1.0-10-amd64')).toBe(-1);
    expect(compareKernelReleases('6.6.58-0-lts', '6.6.9-0-lts')).toBe(1);
    expect(compareKernelReleases('6.1.0-50-cloud-amd64', '6.1.0-50-cloud-amd64')).toBe(0);
    expect(newestRelease(['6.1.0-50-cloud-amd64', null, '6.1.0-56-cloud-amd64', '6.1.0-47-cloud-amd64'])).toBe('6.1.0-56-cloud-amd64');
    expect(newestRelease([])).toBeNull();
  });

  it('finds the flavor a newer kernel of the same kind shares', () => {
    expect(flavorSuffixOf('6.1.0-50-cloud-amd64')).toBe('cloud-amd64');
    expect(flavorSuffixOf('5.15.0-91-generic')).toBe('generic');
    expect(flavorSuffixOf('6.6.58-0-lts')).toBe('lts');
    expect(flavorSuffixOf('6.12.1')).toBeNull();
  });
});

describe('Debian outputs recorded on the lab VM', () => {
  it('reads installed kernel packages, skipping the -unsigned one that is not installed', () => {
    const pkgs = parseDpkgQuery(fx('debian12-dpkg-query-kernel.txt'));
    expect(pkgs).toEqual([
      { name: 'linux-image-6.1.0-50-cloud-amd64', version: '6.1.176-1', installed: true },
      { name: 'linux-image-6.1.0-50-cloud-amd64-unsigned', version: '', installed: false },
      { name: 'linux-image-cloud-amd64', version: '6.1.176-1', installed: true },
    ]);
    expect(debianInstalledReleases(pkgs, 'cloud-amd64')).toEqual(['6.1.0-50-cloud-amd64']);
    expect(debianInstalledReleases(pkgs, 'amd64')).toEqual([]);
  });

  it('reads apt-cache policy with an empty index as "no repository offers it"', () => {
    expect(parseAptPolicy(fx('debian12-apt-policy-empty-index.txt'))).toEqual({
      installed: '6.1.176-1',
      candidate: '6.1.176-1',
      versions: [{ version: '6.1.176-1', origins: ['/var/lib/dpkg/status'] }],
      fromRepository: false,
    });
  });

  it('reads the security candidate and the release its Depends pull in', () => {
    const p = parseAptPolicy(fx('debian12-apt-policy-security.txt'))!;
    expect(p.installed).toBe('6.1.176-1');
    expect(p.candidate).toBe('6.1.192-2');
    expect(p.fromRepository).toBe(true);
    expect(p.versions.map((v) => v.version)).toEqual(['6.1.192-2', '6.1.176-1']);
    expect(p.versions[0]!.origins[0]).toMatch(/debian-security bookworm-security/);
    expect(releaseFromMetaShow(fx('debian12-apt-show-security.txt'), '6.1.192-2', 'cloud-amd64')).toBe('6.1.0-56-cloud-amd64');
    expect(releaseFromMetaShow(fx('debian12-apt-show-security.txt'), '6.1.176-1', 'cloud-amd64')).toBe('6.1.0-50-cloud-amd64');
    expect(releaseFromMetaShow(fx('debian12-apt-show-main.txt'), '6.1.176-1', 'cloud-amd64')).toBe('6.1.0-50-cloud-amd64');
    expect(releaseFromMetaShow(fx('debian12-apt-show-security.txt'), '9.9', 'cloud-amd64')).toBeNull();
  });

  it('returns null for a package apt does not know', () => {
    expect(parseAptPolicy('')).toBeNull();
    expect(parseAptPolicy('N: Unable to locate package linux-image-nope\n')).toBeNull();
  });

  it("lists what apt's simulation would install, including recommends", () => {
    const sim = parseAptSimulation(fx('debian12-apt-simulate-upgrade-security.txt'));
    expect(sim.install).toEqual([
      { name: 'apparmor', version: '3.0.8-3', from: 'Debian:12.15/oldstable' },
      { name: 'firmware-linux-free', version: '20200122-1', from: 'Debian:12.15/oldstable' },
      { name: 'linux-image-6.1.0-56-cloud-amd64', version: '6.1.192-2', from: 'Debian-Security:12/oldstable-security' },
      { name: 'linux-image-cloud-amd64', version: '6.1.192-2', from: 'Debian-Security:12/oldstable-security' },
    ]);
    expect(sim.remove).toEqual([]);
    expect(parseAptSimulation(fx('debian12-apt-simulate-upgrade-none.txt')).install).toEqual([]);
    expect(parseAptSimulation('Remv linux-image-6.1.0-47-cloud-amd64 [6.1.170-3]\n').remove).toEqual(['linux-image-6.1.0-47-cloud-amd64']);
  });
});

describe('Alpine outputs (recorded format)', () => {
  it('splits apk name-version strings', () => {
    expect(splitApkNameVersion('linux-lts-6.6.31-r0')).toEqual({ name: 'linux-lts', version: '6.6.31-r0' });
    expect(splitApkNameVersion('linux-firmware-none-20240513-r0')).toEqual({ name: 'linux-firmware-none', version: '20240513-r0' });
    expect(splitApkNameVersion('openssh-server-9.7_p1-r3')).toEqual({ name: 'openssh-server', version: '9.7_p1-r3' });
    expect(splitApkNameVersion('not a package')).toBeNull();
    expect(parseApkInfo(fx('alpine-3.20-apk-info-v.txt')).find((p) => p.name === 'linux-lts')).toEqual({ name: 'linux-lts', version: '6.6.31-r0' });
  });

  it('reads apk policy: installed and newest, whatever order apk prints them in', () => {
    const p = parseApkPolicy(fx('alpine-3.20-apk-policy-linux-lts.txt'))!;
    expect(p).toMatchObject({ name: 'linux-lts', installed: '6.6.31-r0', newest: '6.6.58-r0' });
    const reversed = 'linux-lts policy:\n  6.6.58-r0:\n    https://dl-cdn.alpinelinux.org/alpine/v3.20/main\n  6.6.31-r0 (installed):\n    lib/apk/db/installed\n';
    expect(parseApkPolicy(reversed)).toMatchObject({ installed: '6.6.31-r0', newest: '6.6.58-r0' });
    expect(parseApkPolicy(fx('alpine-3.20-apk-policy-linux-lts-current.txt'))).toMatchObject({ installed: '6.6.58-r0', newest: '6.6.58-r0' });
    expect(parseApkPolicy('')).toBeNull();
  });

  it('reads apk version', () => {
    expect(parseApkVersion(fx('alpine-3.20-apk-version-linux-lts.txt'), 'linux-lts')).toEqual({ installed: '6.6.31-r0', available: '6.6.58-r0' });
    expect(parseApkVersion('Installed:                                Available:\nlinux-lts-6.6.58-r0                     = 6.6.58-r0\n', 'linux-lts')).toEqual({ installed: '6.6.58-r0', available: '6.6.58-r0' });
    expect(parseApkVersion(fx('alpine-3.20-apk-version-linux-lts.txt'), 'linux-virt')).toBeNull();
  });

  it('maps package versions to the release uname -r prints', () => {
    expect(alpineReleaseFor('6.6.58-r0', 'lts')).toBe('6.6.58-0-lts');
    expect(alpineReleaseFor('6.6.58-r2', 'virt')).toBe('6.6.58-2-virt');
    expect(compareApkVersions('6.6.58-r0', '6.6.31-r0')).toBe(1);
    expect(compareApkVersions('6.6.58-r1', '6.6.58-r0')).toBe(1);
    expect(compareApkVersions('6.6.58-r0', '6.6.58-r0')).toBe(0);
    expect(parseKernelReleaseFiles(fx('alpine-3.20-kernel-release-files.txt'))).toEqual({ lts: '6.6.31-0-lts' });
  });
});
