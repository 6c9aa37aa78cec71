import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, isAbsolute, normalize } from 'node:path';
import { HardenLabError } from '../../errors';
import type { DistroFamily } from '../../distro/types';
import { alpineReleaseFor, debianReleaseOfPackage, splitApkNameVersion } from './release';

/**
 * The offline variant: kernel packages that are files on this machine (for
 * labs without a mirror). Everything about them is decided here, before
 * anything reaches the VM: the path is absolute and a regular file, the name
 * is one the distribution's tools produce (`apt-get download`, `apk fetch`),
 * the content starts like a package of that kind, and exactly one of them is
 * the kernel image, whose release the VM must boot afterwards.
 */
export interface LocalPackageFile {
  localPath: string;
  /** The name it gets on the VM (the base name, already checked against the pattern below). */
  name: string;
  size: number;
  sha256: string;
}

export interface InspectedPackages {
  files: LocalPackageFile[];
  /** The release of the kernel image among the files, e.g. 6.1.0-56-cloud-amd64. */
  release: string;
  /** The kernel image package's name. */
  kernelPackage: string;
}

export const MAX_PACKAGE_FILES = 12;
export const MAX_PACKAGE_BYTES = 1024 * 1024 * 1024;

/** name_version_arch.deb as apt-get download writes it. */
const DEB_NAME = /^([a-z0-9][a-z0-9+.-]+)_([A-Za-z0-9.+~%-]+)_([a-z0-9-]+)\.deb$/;
/** name-version.apk as apk fetch writes it. */
const APK_NAME = /^[a-z0-9][a-z0-9+._-]*-\d[0-9A-Za-z._]*-r\d+\.apk$/;

/** Parses a package file name; null when it is not one the distribution's tools produce. */
export function parsePackageFileName(family: DistroFamily, name: string): { package: string; version: string } | null {
  if (family === 'debian') {
    const m = DEB_NAME.exec(name);
    // apt-get download escapes the epoch colon as %3a; a raw colon never appears in its names.
    return m && !name.includes(':') ? { package: m[1]!, version: m[2]!.replace(/%3a/gi, ':') } : null;
  }
  if (!APK_NAME.test(name)) return null;
  const p = splitApkNameVersion(name.slice(0, -'.apk'.length));
  return p ? { package: p.name, version: p.version } : null;
}

/** The kernel release a package file installs, when it is the kernel image of this flavor. */
export function kernelReleaseOfFile(family: DistroFamily, name: string, flavorSuffix: string | null): { package: string; release: string } | null {
  const parsed = parsePackageFileName(family, name);
  if (!parsed) return null;
  if (family === 'debian') {
    const rel = flavorSuffix ? debianReleaseOfPackage(parsed.package, flavorSuffix) : null;
    return rel ? { package: parsed.package, release: rel } : null;
  }
  const m = /^linux-([a-z0-9]+)$/.exec(parsed.package);
  if (!m || (flavorSuffix && m[1] !== flavorSuffix)) return null;
  const rel = alpineReleaseFor(parsed.version, m[1]!);
  return rel ? { package: parsed.package, release: rel } : null;
}

/** A .deb is an ar archive; an .apk (v2) is a gzip stream, an .apk v3 starts with "ADB". */
export function looksLikePackage(family: DistroFamily, head: Buffer): boolean {
  if (family === 'debian') return head.subarray(0, 8).toString('latin1') === '!<arch>\n';
  return (head[0] === 0x1f && head[1] === 0x8b) || head.subarray(0, 3).toString('latin1') === 'ADB';
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export async function inspectPackageFiles(paths: readonly string[], family: DistroFamily, flavorSuffix: string | null): Promise<InspectedPackages> {
  const kind = family === 'debian' ? '.deb' : '.apk';
  if (paths.length === 0) throw new HardenLabError('BAD_INPUT', 'packageFiles is empty.', { hint: `Give the absolute paths of the kernel's ${kind} files on this machine.` });
  if (paths.length > MAX_PACKAGE_FILES) throw new HardenLabError('BAD_INPUT', `At most ${MAX_PACKAGE_FILES} package files can be installed at once (${paths.length} given).`);
  const files: LocalPackageFile[] = [];
  const kernels: Array<{ package: string; release: string }> = [];
  let total = 0;
  for (const p of paths) {
    if (!isAbsolute(p) || normalize(p) !== p || /[\0\n\r]/.test(p)) {
      throw new HardenLabError('BAD_INPUT', `${JSON.stringify(p)} is not an absolute, normalized path.`, { hint: 'Give each package file as an absolute path on this machine.' });
    }
    const name = basename(p);
    if (!parsePackageFileName(family, name)) {
      throw new HardenLabError('BAD_INPUT', `${JSON.stringify(name)} is not named like ${family === 'debian' ? 'a Debian package (name_version_arch.deb, as `apt-get download` writes it)' : 'an Alpine package (name-version-rN.apk, as `apk fetch` writes it)'}.`, {
        hint: `This VM is ${family === 'debian' ? 'Debian-based: use .deb files' : 'Alpine: use .apk files'} with their original names.`,
      });
    }
    if (files.some((f) => f.name === name)) throw new HardenLabError('BAD_INPUT', `${name} is listed twice.`);
    const st = await stat(p).catch(() => null);
    if (!st || !st.isFile()) throw new HardenLabError('BAD_INPUT', `${p} does not exist on this machine or is not a regular file.`);
    total += st.size;
    if (total > MAX_PACKAGE_BYTES) throw new HardenLabError('BAD_INPUT', `The package files add up to more than ${MAX_PACKAGE_BYTES / 1024 / 1024} MiB.`);
    if (!looksLikePackage(family, await readHead(p))) {
      throw new HardenLabError('BAD_INPUT', `${p} does not look like a ${kind} package (its first bytes are wrong).`, { hint: 'Was the download complete?' });
    }
    files.push({ localPath: p, name, size: st.size, sha256: await sha256File(p) });
    const k = kernelReleaseOfFile(family, name, flavorSuffix);
    if (k) kernels.push(k);
  }
  if (kernels.length !== 1) {
    throw new HardenLabError('BAD_INPUT', kernels.length === 0 ? `None of the files is a kernel image${flavorSuffix ? ` of the running flavor (${flavorSuffix})` : ''}.` : `More than one kernel image is among the files: ${kernels.map((k) => k.package).join(', ')}.`, {
      hint: family === 'debian' ? `Include exactly one linux-image-<release>${flavorSuffix ? `-…-${flavorSuffix}` : ''} .deb (plus, if you like, the meta package and dependencies).` : `Include exactly one linux-${flavorSuffix ?? '<flavor>'}-<version>.apk.`,
    });
  }
  return { files, release: kernels[0]!.release, kernelPackage: kernels[0]!.package };
}
