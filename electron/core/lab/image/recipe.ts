import { createHash } from 'node:crypto';
import { guestFiles, type GuestFile } from './guest-files';

/**
 * What the lab image is made of. Everything that changes the built disk is
 * in here or in guest-files.ts, and all of it goes into the image key: a
 * changed recipe builds a new image beside the old one instead of reusing a
 * stale one.
 *
 * Only bookworm main is in the guest's sources, so the guest boots the
 * kernel from main (6.1.0-50 when this was written) and a later
 * `apt-get dist-upgrade` after adding bookworm-security offers a genuinely
 * newer kernel: the "run the latest kernel" step then has real work to do.
 */
export interface ImageRecipe {
  /** Bump when the build procedure changes in a way the fields below do not show. */
  recipeVersion: number;
  suite: string;
  mirror: string;
  components: string[];
  variant: string;
  arch: string;
  packages: string[];
  diskSizeMiB: number;
  /** Where the one partition starts (bytes); 1 MiB keeps it aligned and leaves room for the MBR code. */
  partitionOffset: number;
  mkfsFeatures: string;
  /** Passwords of existing accounts (root). */
  passwords: Record<string, string>;
  /** Accounts created with a home directory and a bash shell. */
  users: { name: string; password: string; groups: string[] }[];
}

export const LAB_RECIPE: ImageRecipe = {
  recipeVersion: 3,
  suite: 'bookworm',
  mirror: 'http://deb.debian.org/debian',
  components: ['main'],
  variant: 'minbase',
  arch: 'amd64',
  packages: [
    'systemd-sysv',
    'udev',
    'kmod',
    'openssh-server',
    'linux-image-cloud-amd64',
    'ifupdown',
    'isc-dhcp-client',
    'iproute2',
    'sudo',
    'procps',
    'ca-certificates',
    // systemd-logind needs it, and logind is what turns the ACPI power button into a clean shutdown.
    'dbus',
    // Ansible's modules run with it, as on every host of a fleet (the fleet tests run real playbooks on the lab).
    'python3',
  ],
  diskSizeMiB: 6144,
  partitionOffset: 1024 * 1024,
  // The syslinux shipped with Debian 12 cannot read ext4 with 64-bit block numbers or metadata checksums.
  mkfsFeatures: '^64bit,^metadata_csum',
  passwords: { root: 'lab' },
  users: [
    { name: 'lab', password: 'lab', groups: ['sudo'] },
    { name: 'labpw', password: 'labpw', groups: ['sudo'] },
  ],
};

/** Short, stable, and changes whenever anything that ends up on the disk changes. */
export function imageKey(recipe: ImageRecipe = LAB_RECIPE, files: readonly GuestFile[] = guestFiles()): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(recipe));
  for (const f of files) h.update(`\0${f.path}\0${f.mode.toString(8)}\0${f.content}`);
  return `debian12-${h.digest('hex').slice(0, 12)}`;
}

export function debootstrapArgs(recipe: ImageRecipe, target: string, cacheDir: string | undefined): string[] {
  const args = [`--variant=${recipe.variant}`, `--arch=${recipe.arch}`, `--components=${recipe.components.join(',')}`, `--include=${recipe.packages.join(',')}`];
  if (cacheDir) args.push(`--cache-dir=${cacheDir}`);
  args.push(recipe.suite, target, recipe.mirror);
  return args;
}

/** chpasswd input for every account with a password. */
export function chpasswdInput(recipe: ImageRecipe): string {
  const lines = Object.entries(recipe.passwords).map(([u, p]) => `${u}:${p}`);
  for (const u of recipe.users) lines.push(`${u.name}:${u.password}`);
  return lines.join('\n') + '\n';
}
