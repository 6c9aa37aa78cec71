import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { hardenlabCache } from '../../paths';
import { pidAlive } from '../../file-lock';
import { releaseKernelResources } from './loop';

/**
 * The image cache: hardenlabCache()/images/<key>/{disk.qcow2,image.json,build.log}.
 * A key directory exists only once its build finished: builds happen in
 * ".build-<key>-<pid>-<random>" beside it and are renamed into place.
 */
export const ImageInfoSchema = z.object({
  version: z.literal(1),
  key: z.string(),
  /** Kernel release the image boots, e.g. 6.1.0-50-cloud-amd64. */
  kernel: z.string(),
  builtAt: z.string(),
  buildSeconds: z.number(),
  diskFile: z.string(),
  diskBytes: z.number(),
  virtualSizeBytes: z.number(),
  suite: z.string(),
  packages: z.array(z.string()),
});
export type ImageInfo = z.infer<typeof ImageInfoSchema>;

export interface CachedImage {
  info: ImageInfo;
  dir: string;
  disk: string;
}

export function imagesDir(cache: string = hardenlabCache()): string {
  return join(cache, 'images');
}

export function debCacheDir(cache: string, suite: string, arch: string): string {
  return join(cache, 'debs', `${suite}-${arch}`);
}

export const BUILD_DIR_PREFIX = '.build-';

/** Build directories this process is using right now: never stale. */
export const activeBuildDirs = new Set<string>();

export function buildDirName(key: string, pid: number, rand: string): string {
  return `${BUILD_DIR_PREFIX}${key}-${pid}-${rand}`;
}

/** The pid of the process that owns a build directory, from its name. */
export function buildDirOwner(name: string): number | null {
  if (!name.startsWith(BUILD_DIR_PREFIX)) return null;
  const m = /-(\d+)-[a-z0-9]+$/.exec(name);
  return m ? Number.parseInt(m[1]!, 10) : null;
}

export async function findImage(key: string, cache: string = hardenlabCache()): Promise<CachedImage | null> {
  const dir = join(imagesDir(cache), key);
  let raw: string;
  try {
    raw = await readFile(join(dir, 'image.json'), 'utf8');
  } catch {
    return null;
  }
  const parsed = ImageInfoSchema.safeParse(JSON.parse(raw));
  if (!parsed.success || parsed.data.key !== key) return null;
  const disk = join(dir, parsed.data.diskFile);
  try {
    const st = await stat(disk);
    if (!st.isFile() || st.size === 0) return null;
  } catch {
    return null;
  }
  return { info: parsed.data, dir, disk };
}

/**
 * Removes build directories whose builder is gone (killed, crashed, power
 * cut), after releasing any mount or loop device still pointing into them.
 * Returns the names removed.
 */
export async function cleanStaleBuilds(cache: string = hardenlabCache()): Promise<string[]> {
  const dir = imagesDir(cache);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = buildDirOwner(name);
    if (owner === null || activeBuildDirs.has(name)) continue;
    if (owner !== process.pid && pidAlive(owner)) continue;
    const path = join(dir, name);
    await releaseKernelResources(path);
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
