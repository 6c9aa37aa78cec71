import { readFile } from 'node:fs/promises';
import { HardenLabError } from '../../errors';
import { run } from '../../proc';

/**
 * Loop devices and mounts for the image build, and the cleanup that must
 * happen whatever went wrong: a build that dies with a mounted file system
 * or an attached loop device would pin the disk file and leak kernel state.
 * Parsing is pure; the rest calls util-linux.
 */

/** /proc/self/mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountPointsUnder(mountinfo: string, dir: string): string[] {
  const base = dir.replace(/\/+$/, '');
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const mp = fields[4];
    if (mp === undefined) continue;
    const path = unescapeMountPath(mp);
    if (path === base || path.startsWith(base + '/')) out.push(path);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length || b.localeCompare(a));
}

export interface LoopDevice {
  name: string;
  backFile: string;
}

/** `losetup --list --json --output NAME,BACK-FILE`; a deleted backing file shows " (deleted)". */
export function parseLosetupJson(text: string): LoopDevice[] {
  if (text.trim() === '') return [];
  const data = JSON.parse(text) as { loopdevices?: { name?: unknown; 'back-file'?: unknown }[] };
  const out: LoopDevice[] = [];
  for (const d of data.loopdevices ?? []) {
    if (typeof d.name !== 'string') continue;
    const back = typeof d['back-file'] === 'string' ? d['back-file'].replace(/ \(deleted\)$/, '') : '';
    out.push({ name: d.name, backFile: back });
  }
  return out;
}

function failed(what: string, r: { stderr: string; stdout: string; code: number | null }): HardenLabError {
  return new HardenLabError('LAB_BUILD_FAILED', `${what} failed (exit ${r.code ?? 'signal'}).`, { detail: (r.stderr || r.stdout).trim().slice(0, 4000) });
}

export async function attachLoop(file: string, offset: number, sizeLimit: number): Promise<string> {
  const r = await run('losetup', ['--show', '--find', '--offset', String(offset), '--sizelimit', String(sizeLimit), file], { timeoutMs: 30_000 });
  if (r.code !== 0) {
    throw new HardenLabError('LAB_BUILD_FAILED', 'No loop device could be attached to the image file.', {
      hint: 'The build needs loop devices (modprobe loop) and root. In a container, give it access to /dev/loop*.',
      detail: r.stderr.trim(),
    });
  }
  return r.stdout.trim();
}

export async function detachLoop(dev: string): Promise<void> {
  // Right after umount the device can still be busy for a moment.
  for (let i = 0; i < 10; i++) {
    const r = await run('losetup', ['--detach', dev], { timeoutMs: 30_000 });
    if (r.code === 0 || /No such device|not a block device|failed to use device/i.test(r.stderr)) return;
    await new Promise((res) => setTimeout(res, 300));
  }
}

export async function loopsBackedUnder(dir: string): Promise<LoopDevice[]> {
  const r = await run('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE'], { timeoutMs: 30_000 });
  if (r.code !== 0) return [];
  const base = dir.replace(/\/+$/, '') + '/';
  return parseLosetupJson(r.stdout).filter((d) => d.backFile.startsWith(base));
}

export async function mount(dev: string, dir: string): Promise<void> {
  const r = await run('mount', ['-t', 'ext4', dev, dir], { timeoutMs: 60_000 });
  if (r.code !== 0) throw failed(`Mounting ${dev} on ${dir}`, r);
}

/** Unmounts everything at or below `dir` (debootstrap leaves proc/sys/dev mounts when killed). */
export async function unmountAllUnder(dir: string): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const points = mountPointsUnder(await readFile('/proc/self/mountinfo', 'utf8'), dir);
    if (points.length === 0) return;
    for (const p of points) {
      const r = await run('umount', [p], { timeoutMs: 60_000 });
      // Busy (a process still has a file open): detach it lazily so the build can still clean up.
      if (r.code !== 0) await run('umount', ['--lazy', p], { timeoutMs: 60_000 });
    }
  }
}

/** Removes every trace a build directory may hold in the kernel: mounts first, then loop devices. */
export async function releaseKernelResources(dir: string): Promise<void> {
  await unmountAllUnder(dir);
  for (const d of await loopsBackedUnder(dir)) await detachLoop(d.name);
}
