import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, chmod, copyFile, mkdir, open, readFile, readdir, readlink, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HardenLabError, isHardenLabError } from '../../errors';
import { hardenlabCache } from '../../paths';
import { run, which, type RunResult } from '../../proc';
import type { ProgressFn } from '../../hypervisor/types';
import { withFileLock } from '../../file-lock';
import { activeBuildDirs, buildDirName, cleanStaleBuilds, debCacheDir, findImage, imagesDir, type CachedImage, type ImageInfo } from './cache';
import { DebootstrapProgress, LineSplitter } from './debootstrap-progress';
import { BUILD_ONLY_DPKG_CFG, guestFiles, SECRETS_UNIT, type GuestFile } from './guest-files';
import { attachLoop, detachLoop, mount, releaseKernelResources, unmountAllUnder } from './loop';
import { chpasswdInput, debootstrapArgs, imageKey, LAB_RECIPE, type ImageRecipe } from './recipe';

/**
 * Builds the lab image once and caches it. The disk is a real boot disk: a
 * DOS partition table, one ext4 partition at 1 MiB, extlinux in the MBR and
 * the partition, the kernel and initramfs found through Debian's own
 * /vmlinuz and /initrd.img symlinks. Nothing outside the build directory is
 * touched until the final rename, and mounts and loop devices are released
 * in `finally`, so an interrupted build leaves nothing half made (and the
 * next build sweeps up after one that was killed outright).
 */

const TOOLS = ['debootstrap', 'sfdisk', 'losetup', 'mkfs.ext4', 'mount', 'umount', 'chroot', 'extlinux', 'qemu-img'] as const;
const SBIN = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];
const MBR_CANDIDATES = ['/usr/lib/syslinux/mbr/mbr.bin', '/usr/lib/SYSLINUX/mbr.bin', '/usr/share/syslinux/mbr.bin'];
const TOOL_PACKAGES = 'debootstrap fdisk extlinux syslinux-common e2fsprogs util-linux qemu-utils';

/** Environment for programs run inside the new system: no host locale, no prompts. */
const CHROOT_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LC_ALL: 'C',
  LANG: 'C',
  DEBIAN_FRONTEND: 'noninteractive',
  HOME: '/root',
};

export interface BuildImageOptions {
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  cache?: string;
  recipe?: ImageRecipe;
  /** Rebuild even when a cached image with this key exists. */
  force?: boolean;
}

export interface EnsureImageResult {
  image: CachedImage;
  built: boolean;
  seconds: number;
}

/** Returns the cached image, building it first when there is none. */
export async function ensureImage(opts: BuildImageOptions = {}): Promise<EnsureImageResult> {
  const cache = opts.cache ?? hardenlabCache();
  const recipe = opts.recipe ?? LAB_RECIPE;
  const key = imageKey(recipe);
  const started = Date.now();
  if (!opts.force) {
    const hit = await findImage(key, cache);
    if (hit) return { image: hit, built: false, seconds: (Date.now() - started) / 1000 };
  }
  assertCanBuild();
  return withFileLock(join(imagesDir(cache), `.${key}.lock`), { timeoutMs: 60 * 60_000, what: `building the lab image ${key}`, signal: opts.signal }, async () => {
    // Another process may have finished the same build while we waited.
    if (!opts.force) {
      const hit = await findImage(key, cache);
      if (hit) return { image: hit, built: false, seconds: (Date.now() - started) / 1000 };
    }
    const image = await buildImage(key, recipe, cache, opts);
    return { image, built: true, seconds: (Date.now() - started) / 1000 };
  });
}

function assertCanBuild(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new HardenLabError('LAB_BUILD_FAILED', 'Building the lab image needs root: debootstrap, loop devices and mount are root-only.', {
      hint: 'Build it once as root (for example `sudo -E hardenlab lab up`, keeping HARDENLAB_CACHE the same); booting the built image needs no root.',
    });
  }
  if (process.platform !== 'linux') {
    throw new HardenLabError('LAB_BUILD_FAILED', 'The lab image can only be built on Linux (debootstrap, loop devices).', {
      hint: 'Use an existing VM through VirtualBox instead, or build the image on a Linux machine.',
    });
  }
  const missing = TOOLS.filter((t) => which(t, SBIN) === null);
  if (missing.length > 0) {
    throw new HardenLabError('DRIVER_MISSING', `Building the lab image needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed.`, {
      hint: `On Debian or Ubuntu: apt-get install ${TOOL_PACKAGES}`,
    });
  }
  if (!MBR_CANDIDATES.some(existsSyncSafe)) {
    throw new HardenLabError('DRIVER_MISSING', 'The syslinux MBR boot code (mbr.bin) is not installed.', { hint: 'On Debian or Ubuntu: apt-get install syslinux-common' });
  }
}

function existsSyncSafe(p: string): boolean {
  try {
    return existsSync(p);
  } catch {
    return false;
  }
}

function tool(name: string): string {
  return which(name, SBIN) ?? name;
}

class Builder {
  private readonly log: string;
  private readonly started = Date.now();
  constructor(
    private readonly dir: string,
    private readonly onProgress: ProgressFn | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.log = join(dir, 'build.log');
  }

  progress(phase: string, message: string, percent?: number): void {
    this.onProgress?.(percent === undefined ? { phase, message } : { phase, message, percent: Math.max(0, Math.min(100, Math.round(percent))) });
  }

  checkCancelled(): void {
    if (this.signal?.aborted) throw new HardenLabError('CANCELLED', 'The lab image build was cancelled; nothing was kept.');
  }

  async note(text: string): Promise<void> {
    const stamp = `[+${((Date.now() - this.started) / 1000).toFixed(1)}s] `;
    await appendFile(this.log, stamp + (text.endsWith('\n') ? text : text + '\n'));
  }

  /** Runs a program, logs its output, and fails the build with its tail when it fails. */
  async exec(what: string, cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; onLine?: (line: string) => void } = {}): Promise<RunResult> {
    this.checkCancelled();
    await this.note(`$ ${cmd} ${args.join(' ')}`);
    const splitter = new LineSplitter();
    const onChunk = opts.onLine
      ? (c: string) => {
          for (const l of splitter.push(c)) opts.onLine!(l);
        }
      : undefined;
    const r = await run(tool(cmd), args, {
      input: opts.input,
      env: opts.env ?? { ...process.env, PATH: [process.env.PATH ?? '', ...SBIN].join(':'), LC_ALL: 'C' },
      timeoutMs: opts.timeoutMs ?? 10 * 60_000,
      signal: this.signal,
      onStdout: onChunk,
      onStderr: onChunk,
    });
    await this.note(r.stdout + r.stderr);
    this.checkCancelled();
    if (r.code !== 0) {
      const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-25).join('\n');
      throw new HardenLabError('LAB_BUILD_FAILED', `${what} failed${r.timedOut ? ' (timed out)' : ` (exit ${r.code ?? r.signal})`}.`, {
        hint: `The full log is kept in ${failedLogPath(dirname(this.dir))}.`,
        detail: tail,
      });
    }
    return r;
  }
}

async function writeGuestFile(root: string, f: GuestFile): Promise<void> {
  const dest = join(root, f.path);
  await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
  await rm(dest, { force: true });
  await writeFile(dest, f.content, { mode: f.mode });
  await chmod(dest, f.mode);
}

async function removeMatching(dir: string, keep: (name: string) => boolean): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const n of names) if (!keep(n)) await rm(join(dir, n), { recursive: true, force: true });
}

async function buildImage(key: string, recipe: ImageRecipe, cache: string, opts: BuildImageOptions): Promise<CachedImage> {
  const started = Date.now();
  const root = imagesDir(cache);
  await mkdir(root, { recursive: true });
  const swept = await cleanStaleBuilds(cache);
  const name = buildDirName(key, process.pid, randomBytes(4).toString('hex'));
  const dir = join(root, name);
  activeBuildDirs.add(name);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const b = new Builder(dir, opts.onProgress, opts.signal);
  let ok = false;
  try {
    if (swept.length > 0) b.progress('image-prepare', `Removed ${swept.length} unfinished build(s) left by an earlier run.`, 0);
    b.progress('image-prepare', `Building the lab image ${key} (Debian ${recipe.suite}, once; later runs reuse it).`, 1);
    const raw = join(dir, 'disk.raw');
    const rootfs = join(dir, 'rootfs');
    const mnt = join(dir, 'mnt');
    const sizeBytes = recipe.diskSizeMiB * 1024 * 1024;
    let kernel = '';

    // debootstrap into a plain directory, not into the mounted image: dpkg on
    // an ext4 inside a loop device inside a file ran twice as slow here.
    try {
      await mkdir(rootfs, { mode: 0o755 });
      for (const f of guestFiles()) if (f.path.startsWith('/etc/dpkg/')) await writeGuestFile(rootfs, f);
      await writeGuestFile(rootfs, BUILD_ONLY_DPKG_CFG);

      const debs = debCacheDir(cache, recipe.suite, recipe.arch);
      await mkdir(debs, { recursive: true });
      const dp = new DebootstrapProgress();
      const dsStarted = Date.now();
      b.progress('image-debootstrap', `debootstrap ${recipe.suite} from ${recipe.mirror}`, 2);
      await b.exec('debootstrap', 'debootstrap', debootstrapArgs(recipe, rootfs, debs), {
        timeoutMs: 45 * 60_000,
        onLine: (line) => {
          const u = dp.feed(line);
          if (u) b.progress('image-debootstrap', u.message, 2 + u.percent * 0.8);
        },
      });
      await b.note(`debootstrap took ${((Date.now() - dsStarted) / 1000).toFixed(1)} s`);

      b.progress('image-configure', 'Configuring the lab baseline (users, sshd, network, boot)', 83);
      for (const f of guestFiles()) await writeGuestFile(rootfs, f);
      await rm(join(rootfs, BUILD_ONLY_DPKG_CFG.path), { force: true });
      for (const u of recipe.users) {
        await b.exec(`Creating user ${u.name}`, 'chroot', [rootfs, 'useradd', '--create-home', '--shell', '/bin/bash', '--groups', u.groups.join(','), u.name], { env: CHROOT_ENV });
      }
      await b.exec('Setting passwords', 'chroot', [rootfs, 'chpasswd'], { input: chpasswdInput(recipe), env: CHROOT_ENV });
      await b.exec('Enabling the instance secrets unit', 'chroot', [rootfs, 'systemctl', 'enable', SECRETS_UNIT], { env: CHROOT_ENV });
      // It scans for LVM snapshots there are none of, for 10+ s of emulated CPU during every boot.
      await b.exec('Disabling e2scrub_reap', 'chroot', [rootfs, 'systemctl', 'disable', 'e2scrub_reap.service'], { env: CHROOT_ENV });
      // Host keys made during the build would be shared by every instance;
      // each instance gets its own, generated on the host before first boot.
      await removeMatching(join(rootfs, 'etc/ssh'), (n) => !n.startsWith('ssh_host_'));
      // Downloaded packages stay in the host's deb cache, not in every disk.
      await removeMatching(join(rootfs, 'var/cache/apt/archives'), (n) => n === 'partial' || n === 'lock');
      await removeMatching(join(rootfs, 'var/cache/apt'), (n) => n === 'archives');
      await removeMatching(join(rootfs, 'var/lib/apt/lists'), (n) => n === 'partial' || n === 'lock');
      await mkdir(join(rootfs, 'boot/extlinux'), { recursive: true });

      const target = await readlink(join(rootfs, 'vmlinuz'));
      kernel = target.replace(/^.*vmlinuz-/, '');
      await b.note(`kernel ${kernel}`);
    } finally {
      // debootstrap mounts /proc and /sys inside the target; a killed one leaves them behind.
      await unmountAllUnder(dir).catch(() => {});
    }

    b.progress('image-disk', 'Writing the disk: partition table and ext4 file system', 86);
    await writeFile(raw, '');
    await truncate(raw, sizeBytes);
    await b.exec('Partitioning the disk', 'sfdisk', ['--quiet', raw], { input: `label: dos\nstart=${recipe.partitionOffset / 512}, type=83, bootable\n` });
    let loop: string | undefined;
    try {
      loop = await attachLoop(raw, recipe.partitionOffset, sizeBytes - recipe.partitionOffset);
      await b.note(`loop device ${loop}`);
      // -d fills the new file system from the directory without mounting it.
      // Inode tables and journal are written now on the host, not lazily by the
      // guest's ext4lazyinit thread later (slow under TCG, and it grows the disk).
      await b.exec('Creating the file system', 'mkfs.ext4', ['-q', '-F', '-L', 'hardenlab-root', '-O', recipe.mkfsFeatures, '-E', 'lazy_itable_init=0,lazy_journal_init=0', '-d', rootfs, loop], {
        timeoutMs: 20 * 60_000,
      });
      // extlinux finds its own blocks through the mounted file system, so this one step needs a mount.
      b.progress('image-bootloader', `Installing extlinux (kernel ${kernel})`, 89);
      await mkdir(mnt, { recursive: true });
      await mount(loop, mnt);
      await b.exec('Installing extlinux', 'extlinux', ['--install', join(mnt, 'boot/extlinux')]);
    } finally {
      // Always, also after a failure or cancel: nothing may stay mounted or attached.
      await unmountAllUnder(dir).catch(() => {});
      if (loop) await detachLoop(loop).catch(() => {});
      await releaseKernelResources(dir).catch(() => {});
    }
    await rm(rootfs, { recursive: true, force: true });
    await rm(mnt, { recursive: true, force: true });

    b.checkCancelled();
    await installMbr(raw);
    b.progress('image-convert', 'Converting the disk to qcow2', 90);
    const qcow = join(dir, 'disk.qcow2');
    await b.exec('Converting the disk to qcow2', 'qemu-img', ['convert', '-O', 'qcow2', raw, qcow], { timeoutMs: 20 * 60_000 });
    await rm(raw, { force: true });
    const st = await stat(qcow);
    const info: ImageInfo = {
      version: 1,
      key,
      kernel,
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 100) / 10,
      diskFile: 'disk.qcow2',
      diskBytes: st.size,
      virtualSizeBytes: sizeBytes,
      suite: recipe.suite,
      packages: recipe.packages,
    };
    await writeFile(join(dir, 'image.json'), JSON.stringify(info, null, 2) + '\n');
    const final = join(root, key);
    await rm(final, { recursive: true, force: true });
    await rename(dir, final);
    ok = true;
    b.progress('image-ready', `Lab image ${key} built in ${info.buildSeconds} s (${(st.size / 1e6).toFixed(0)} MB).`, 100);
    return { info, dir: final, disk: join(final, info.diskFile) };
  } catch (e) {
    if (isHardenLabError(e)) throw e;
    throw new HardenLabError('LAB_BUILD_FAILED', `Building the lab image failed: ${(e as Error).message}`, { cause: e, hint: 'Nothing was kept; running `hardenlab lab up` again starts over.' });
  } finally {
    activeBuildDirs.delete(name);
    if (!ok) {
      await copyFile(join(dir, 'build.log'), failedLogPath(root)).catch(() => {});
      await releaseKernelResources(dir).catch(() => {});
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    }
  }
}

export function failedLogPath(imagesRoot: string): string {
  return join(imagesRoot, 'last-failed-build.log');
}

/** The syslinux MBR code: 440 bytes at the start of the disk, before the partition table. */
async function installMbr(raw: string): Promise<void> {
  const src = MBR_CANDIDATES.find((p) => existsSyncSafe(p));
  if (!src) throw new HardenLabError('DRIVER_MISSING', 'The syslinux MBR boot code (mbr.bin) is not installed.', { hint: 'apt-get install syslinux-common' });
  const code = await readFile(src);
  if (code.length > 440) throw new HardenLabError('LAB_BUILD_FAILED', `${src} is ${code.length} bytes; MBR boot code must fit in 440.`);
  const fh = await open(raw, 'r+');
  try {
    await fh.write(code, 0, code.length, 0);
  } finally {
    await fh.close();
  }
}
