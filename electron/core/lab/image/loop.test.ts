import { describe, expect, it } from 'vitest';
import { mountPointsUnder, parseLosetupJson } from './loop';

describe('mount and loop parsing', () => {
  const mountinfo = [
    '21 26 0:20 / /proc rw,relatime - proc proc rw',
    '26 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '90 26 7:0 / /root/.cache/hardenlab/images/.build-k-1-a/mnt rw,relatime - ext4 /dev/loop0 rw',
    '91 90 0:50 / /root/.cache/hardenlab/images/.build-k-1-a/rootfs/proc rw - proc proc rw',
    '92 91 0:51 / /root/.cache/hardenlab/images/.build-k-1-a/rootfs/proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw',
    '93 26 7:1 / /root/.cache/hardenlab/images/.build-k-1-ab/mnt rw - ext4 /dev/loop1 rw',
    '94 26 7:2 / /tmp/with\\040space/mnt rw - ext4 /dev/loop2 rw',
    '',
  ].join('\n');

  it('lists mounts under a build directory, deepest first, and not its siblings', () => {
    expect(mountPointsUnder(mountinfo, '/root/.cache/hardenlab/images/.build-k-1-a/')).toEqual([
      '/root/.cache/hardenlab/images/.build-k-1-a/rootfs/proc/sys/fs/binfmt_misc',
      '/root/.cache/hardenlab/images/.build-k-1-a/rootfs/proc',
      '/root/.cache/hardenlab/images/.build-k-1-a/mnt',
    ]);
  });

  it('decodes octal escapes in mount points', () => {
    expect(mountPointsUnder(mountinfo, '/tmp/with space')).toEqual(['/tmp/with space/mnt']);
  });

  it('reads losetup --json, including a deleted backing file (real util-linux 2.38 output)', () => {
    const out = '{\n   "loopdevices": [\n      {\n         "name": "/dev/loop0",\n         "back-file": "/tmp/hl,loop test.img (deleted)"\n      }\n   ]\n}\n';
    expect(parseLosetupJson(out)).toEqual([{ name: '/dev/loop0', backFile: '/tmp/hl,loop test.img' }]);
    expect(parseLosetupJson('')).toEqual([]);
  });
});
