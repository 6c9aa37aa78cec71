import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterFor } from './detect';
import { parseOsRelease } from './os-release';

const fx = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('distro detection from /etc/os-release', () => {
  it('parses quoted and unquoted values', () => {
    const os = parseOsRelease(fx('debian-12-os-release'));
    expect(os).toMatchObject({ id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', versionCodename: 'bookworm' });
  });
  it('names the system even without PRETTY_NAME, and unquotes escapes', () => {
    expect(parseOsRelease('NAME=Foo\nVERSION_ID=1\n').prettyName).toBe('Foo 1');
    expect(parseOsRelease('PRETTY_NAME="a \\"q\\" b"\n').prettyName).toBe('a "q" b');
  });
  it('picks the adapter by ID, then ID_LIKE', () => {
    expect(adapterFor(fx('alpine-3.20-os-release')).family).toBe('alpine');
    expect(adapterFor(fx('debian-12-os-release')).family).toBe('debian');
    expect(adapterFor(fx('ubuntu-24.04-os-release')).family).toBe('debian');
    expect(() => adapterFor('ID=plan9\n')).toThrow(/not supported/);
  });
});

describe('Alpine adapter (recorded output only: no Alpine runs here)', () => {
  const a = adapterFor(fx('alpine-3.20-os-release'));
  it('uses apk, OpenRC, mkinitfs', () => {
    expect(a.install(['kmod'])).toEqual(['apk', 'add', '--quiet', 'kmod']);
    expect(a.upgradeKernel({ metaPackage: 'linux-lts' })).toEqual(['apk', 'add', '-u', '--quiet', 'linux-lts']);
    expect(a.reloadService(a.sshService)).toEqual(['rc-service', 'sshd', 'reload']);
    expect(a.regenerateInitramfs('6.6.58-0-lts')).toEqual(['mkinitfs', '6.6.58-0-lts']);
    expect(a.sysctlLoadFile('/etc/sysctl.d/90-hardenlab.conf')).toEqual(['sysctl', '-p', '/etc/sysctl.d/90-hardenlab.conf']);
  });
  it('maps the running kernel to its flavor package', () => {
    expect(a.kernelFlavorFor('6.6.58-0-lts', [])).toEqual({ metaPackage: 'linux-lts' });
    expect(a.kernelFlavorFor('6.6.58-0-virt', [])).toEqual({ metaPackage: 'linux-virt' });
    expect(a.kernelFlavorFor('6.6.58-custom', [])).toBeNull();
  });
  it('knows busybox modprobe ignores install lines', () => {
    expect(a.kmodPackageNeeded(fx('alpine-busybox-modprobe-version'))).toBe('kmod');
    expect(a.kmodPackageNeeded(fx('kmod-modprobe-version'))).toBeNull();
  });
});

describe('Debian adapter', () => {
  const d = adapterFor(fx('debian-12-os-release'));
  it('uses apt non-interactively and keeps edited config files on upgrade', () => {
    expect(d.upgradeKernel({ metaPackage: 'linux-image-cloud-amd64' })).toEqual([
      'env', 'DEBIAN_FRONTEND=noninteractive', 'NEEDRESTART_MODE=a', 'apt-get', 'install', '-y', '-q', '-o', 'Dpkg::Options::=--force-confold', '--only-upgrade', 'linux-image-cloud-amd64',
    ]);
    expect(d.reloadService(d.sshService)).toEqual(['systemctl', 'reload', 'ssh']);
    expect(d.regenerateInitramfs()).toEqual(['update-initramfs', '-u', '-k', 'all']);
  });
  it('maps the running kernel to its meta package', () => {
    expect(d.kernelFlavorFor('6.1.0-50-cloud-amd64', ['linux-image-cloud-amd64'])).toEqual({ metaPackage: 'linux-image-cloud-amd64' });
    expect(d.kernelFlavorFor('6.1.0-50-amd64', ['linux-image-amd64'])).toEqual({ metaPackage: 'linux-image-amd64' });
  });
});
