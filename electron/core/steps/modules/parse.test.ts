import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCKED_DRY_RUN_LINE, isBlockingInstallCommand, isContainerModule, moduleForFsType } from './catalog';
import { holdsOn } from '../../proofs/judge';
import { dryRunBlocks, isBuiltin, parseBlocklistFile, parseBoundDevices, parseDescriptions, parseDryRun, parseModinfo, parseModuleIndex, indexInfo, parseModprobeRules, parseMounts, parseProcModules } from './parse';

const fx = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('module facts parsed from recorded lab VM output', () => {
  it('reads /proc/modules: size, use count and users', () => {
    const mods = parseProcModules(fx('debian12-cloud-proc-modules'));
    expect(mods).toHaveLength(36);
    expect(mods.find((m) => m.name === 'kvm')).toEqual({ name: 'kvm', size: 1146880, useCount: 1, usedBy: ['kvm_amd'] });
    expect(mods.find((m) => m.name === 'virtio_ring')?.usedBy.sort()).toEqual(['virtio_blk', 'virtio_net', 'virtio_pci', 'virtio_rng']);
    // Held without a named user (a mount, an open socket).
    expect(mods.find((m) => m.name === 'fuse')).toMatchObject({ useCount: 1, usedBy: [] });
    expect(mods.find((m) => m.name === 'loop')).toMatchObject({ useCount: 0, usedBy: [] });
  });

  it('treats a kernel that cannot unload modules ("-" use count) as holding every module', () => {
    expect(parseProcModules('sctp 446464 - - Live 0x0\n')[0]!.useCount).toBe(Number.POSITIVE_INFINITY);
  });

  it('reads the description loop, empty descriptions included', () => {
    const d = parseDescriptions(fx('debian12-cloud-descriptions'));
    expect(d.get('fuse')).toBe('Filesystem in Userspace');
    expect(d.get('kvm')).toBe('');
    expect(d.size).toBe(36);
  });

  it('reads the devices bound to each module\'s drivers', () => {
    const d = parseBoundDevices(fx('debian12-cloud-bound-devices'));
    expect(d.get('virtio_net')).toEqual(['virtio1']);
    expect(d.get('virtio_pci')).toEqual(['0000:00:01.0', '0000:00:02.0', '0000:00:03.0']);
    expect(d.has('loop')).toBe(false);
  });

  it('reads mounts', () => {
    const mounts = parseMounts(fx('debian12-proc-mounts'));
    expect(mounts.find((m) => m.mountPoint === '/')).toEqual({ device: '/dev/vda1', mountPoint: '/', fsType: 'ext4' });
    expect(parseMounts('/dev/sdb1 /media/my\\040disk vfat rw 0 0\n')[0]!.mountPoint).toBe('/media/my disk');
  });

  it('tells a loadable module from a built-in one and from none', () => {
    expect(parseModinfo(0, fx('debian12-modinfo-squashfs'))).toEqual({
      filename: '/lib/modules/6.1.0-50-cloud-amd64/kernel/fs/squashfs/squashfs.ko',
      description: 'squashfs 4.0, a compressed read-only filesystem',
    });
    const ext4 = parseModinfo(0, fx('debian12-modinfo-ext4-builtin'));
    expect(isBuiltin(ext4)).toBe(true);
    expect(ext4?.description).toBe('Fourth Extended Filesystem');
    expect(parseModinfo(1, '')).toBeNull();
  });

  it('reads which modules the kernel has from depmod\'s index', () => {
    const index = parseModuleIndex(fx('debian12-cloud-modules.dep'), fx('debian12-cloud-modules.builtin'));
    expect(index.deps.get('sctp')).toEqual(['ip6_udp_tunnel', 'udp_tunnel', 'libcrc32c']);
    expect(index.deps.get('udf')).toEqual(['crc_itu_t', 'cdrom']);
    expect(indexInfo(index, 'squashfs')).toEqual({ filename: 'squashfs', description: '' });
    expect(isBuiltin(indexInfo(index, 'ext4'))).toBe(true);
    expect(indexInfo(index, 'cramfs')).toBeNull();
    expect(indexInfo(index, 'usb_storage')).toBeNull();
  });

  it('reads dry runs: insmod lists with dependencies, install lines', () => {
    expect(parseDryRun('insmod /lib/modules/6.1.0-50-cloud-amd64/kernel/drivers/cdrom/cdrom.ko \ninsmod /lib/modules/x/kernel/lib/crc-itu-t.ko.xz \ninsmod /lib/modules/x/udf.ko.zst\n')).toEqual({
      install: null,
      loads: ['cdrom', 'crc_itu_t', 'udf'],
    });
    const blocked = parseDryRun('install /bin/false \n');
    expect(blocked).toEqual({ install: '/bin/false', loads: [] });
    expect(dryRunBlocks(blocked)).toBe(true);
    expect(dryRunBlocks(parseDryRun('install /sbin/modprobe --ignore-install sctp && echo loaded\n'))).toBe(false);
    expect(dryRunBlocks(parseDryRun(''))).toBe(false);
  });

  it('accepts the commands hardening guides use to refuse a load, and nothing that loads', () => {
    for (const c of ['/bin/false', '/bin/true', '/usr/bin/false', 'false', '/bin/false # cis']) expect(isBlockingInstallCommand(c), c).toBe(true);
    for (const c of ['/sbin/modprobe --ignore-install x', '/bin/falsey', 'echo no']) expect(isBlockingInstallCommand(c), c).toBe(false);
  });

  it('reads install and blacklist lines with their file and line', () => {
    const rules = parseModprobeRules(fx('debian12-modprobe-rules'));
    expect(rules[0]).toEqual({ file: '/lib/modprobe.d/fbdev-blacklist.conf', line: 3, kind: 'blacklist', module: 'arkfb' });
    expect(parseModprobeRules('/etc/modprobe.d/cis.conf:7:install usb-storage /bin/true\n')).toEqual([{ file: '/etc/modprobe.d/cis.conf', line: 7, kind: 'install', module: 'usb_storage', command: '/bin/true' }]);
  });

  it('reads back our own file with its notes', () => {
    const text = '# header: not an entry\n\n# cramfs: old ROM fs\ninstall cramfs /bin/false\nblacklist cramfs\n\ninstall usb-storage /bin/false\nblacklist usb-storage\n';
    expect(parseBlocklistFile(text)).toEqual([
      { module: 'cramfs', note: 'old ROM fs' },
      { module: 'usb_storage', note: '' },
    ]);
    expect(parseBlocklistFile(null)).toEqual([]);
  });
});

describe('catalog', () => {
  it('knows what containers need', () => {
    for (const m of ['overlay', 'br_netfilter', 'bridge', 'veth', 'nf_conntrack', 'nf_nat', 'xt_MASQUERADE', 'ip_tables', 'iptable_nat', 'nft_chain_nat', 'ip_vs_rr', 'vxlan', 'br-netfilter']) {
      expect(isContainerModule(m), m).toBe(true);
    }
    for (const m of ['cramfs', 'sctp', 'dccp', 'usb_storage', 'squashfs']) expect(isContainerModule(m), m).toBe(false);
  });

  it('maps mounted file system types to modules', () => {
    expect(moduleForFsType('vxfs')).toBe('freevxfs');
    expect(moduleForFsType('fuse.sshfs')).toBe('fuse');
    expect(moduleForFsType('squashfs')).toBe('squashfs');
    expect(moduleForFsType('ext3')).toBe('ext4');
  });
});

describe('the proof of a blocked module says what the dry-run parser says', () => {
  // "install /bin/false " (trailing space): kmod 30's `modprobe -n -v` and `-D` for a module with an install line, recorded on this machine.
  const samples = ['install /bin/false \n', 'install /usr/bin/true\n', 'insmod /lib/modules/6.1.0-50-cloud-amd64/kernel/fs/cramfs/cramfs.ko \n', '', 'install /sbin/modprobe --ignore-install cramfs\n', 'install /bin/falsehood\n'];
  it.each(samples)('%j', (out) => {
    expect(holdsOn({ kind: 'match', pattern: BLOCKED_DRY_RUN_LINE }, out)).toBe(dryRunBlocks(parseDryRun(out)));
  });
  it('on the recorded lab output of modules that are not blocked', () => {
    for (const block of fx('debian12-modprobe-D').split('=== ').filter(Boolean)) {
      const out = block.split('\n').slice(1).filter((l) => !l.startsWith('rc=')).join('\n');
      expect(holdsOn({ kind: 'match', pattern: BLOCKED_DRY_RUN_LINE }, out)).toBe(dryRunBlocks(parseDryRun(out)));
    }
  });
});
