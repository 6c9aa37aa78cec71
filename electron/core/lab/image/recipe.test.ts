import { describe, expect, it } from 'vitest';
import { guestFiles } from './guest-files';
import { chpasswdInput, debootstrapArgs, imageKey, LAB_RECIPE } from './recipe';

describe('image recipe', () => {
  it('has a stable key that changes with the recipe and with any guest file', () => {
    const key = imageKey();
    expect(key).toMatch(/^debian12-[0-9a-f]{12}$/);
    expect(imageKey()).toBe(key);
    expect(imageKey({ ...LAB_RECIPE, packages: [...LAB_RECIPE.packages, 'vim'] })).not.toBe(key);
    expect(imageKey({ ...LAB_RECIPE, recipeVersion: LAB_RECIPE.recipeVersion + 1 })).not.toBe(key);
    const files = guestFiles().map((f) => (f.path === '/etc/hostname' ? { ...f, content: 'other\n' } : f));
    expect(imageKey(LAB_RECIPE, files)).not.toBe(key);
  });

  it('bootstraps bookworm main only, minbase, with the packages the lab needs', () => {
    const args = debootstrapArgs(LAB_RECIPE, '/build/rootfs', '/cache/debs');
    expect(args).toEqual([
      '--variant=minbase',
      '--arch=amd64',
      '--components=main',
      `--include=${LAB_RECIPE.packages.join(',')}`,
      '--cache-dir=/cache/debs',
      'bookworm',
      '/build/rootfs',
      'http://deb.debian.org/debian',
    ]);
    for (const p of ['systemd-sysv', 'udev', 'kmod', 'openssh-server', 'linux-image-cloud-amd64', 'ifupdown', 'isc-dhcp-client', 'iproute2', 'sudo', 'procps']) {
      expect(LAB_RECIPE.packages).toContain(p);
    }
  });

  it('sets the weak baseline passwords', () => {
    expect(chpasswdInput(LAB_RECIPE)).toBe('root:lab\nlab:lab\nlabpw:labpw\n');
    expect(LAB_RECIPE.users).toEqual([
      { name: 'lab', password: 'lab', groups: ['sudo'] },
      { name: 'labpw', password: 'labpw', groups: ['sudo'] },
    ]);
  });
});
