import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Target } from '../../engine/target';
import { run } from '../../proc';
import { inspectPackageFiles, kernelReleaseOfFile, parsePackageFileName } from './package-files';
import { uploadDirFor, uploadFiles } from './upload';

const dir = mkdtempSync(join(tmpdir(), 'hl-kernel-pkgs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
const deb = (extra = 64): Buffer => Buffer.concat([Buffer.from('!<arch>\n'), randomBytes(extra)]);
const apk = (): Buffer => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), randomBytes(64)]);

describe('package file names', () => {
  it('accepts the names apt-get download and apk fetch write, and finds the kernel image among them', () => {
    expect(parsePackageFileName('debian', 'linux-image-6.1.0-56-cloud-amd64_6.1.192-2_amd64.deb')).toEqual({ package: 'linux-image-6.1.0-56-cloud-amd64', version: '6.1.192-2' });
    expect(parsePackageFileName('debian', 'libc6_1%3a2.36-9_amd64.deb')).toEqual({ package: 'libc6', version: '1:2.36-9' });
    expect(parsePackageFileName('alpine', 'linux-lts-6.6.58-r0.apk')).toEqual({ package: 'linux-lts', version: '6.6.58-r0' });
    expect(kernelReleaseOfFile('debian', 'linux-image-6.1.0-56-cloud-amd64_6.1.192-2_amd64.deb', 'cloud-amd64')).toEqual({ package: 'linux-image-6.1.0-56-cloud-amd64', release: '6.1.0-56-cloud-amd64' });
    expect(kernelReleaseOfFile('debian', 'linux-image-cloud-amd64_6.1.192-2_amd64.deb', 'cloud-amd64')).toBeNull();
    expect(kernelReleaseOfFile('debian', 'linux-image-6.1.0-56-amd64_6.1.192-2_amd64.deb', 'cloud-amd64')).toBeNull();
    expect(kernelReleaseOfFile('alpine', 'linux-lts-6.6.58-r0.apk', 'lts')).toEqual({ package: 'linux-lts', release: '6.6.58-0-lts' });
    expect(kernelReleaseOfFile('alpine', 'linux-virt-6.6.58-r0.apk', 'lts')).toBeNull();
  });

  it('refuses names with shell metacharacters, other kinds, and raw colons', () => {
    for (const bad of ['x;rm -rf /_1_amd64.deb', '$(id)_1_amd64.deb', 'linux-image_1_amd64.rpm', 'a_1:2_amd64.deb', '../a_1_amd64.deb', 'linux-lts-6.6.58.apk']) {
      expect(parsePackageFileName('debian', bad) ?? parsePackageFileName('alpine', bad), bad).toBeNull();
    }
  });
});

describe('inspectPackageFiles', () => {
  it('hashes the files and returns the kernel release', async () => {
    const k = file('linux-image-6.1.0-56-cloud-amd64_6.1.192-2_amd64.deb', deb(1000));
    const m = file('linux-image-cloud-amd64_6.1.192-2_amd64.deb', deb());
    const r = await inspectPackageFiles([k, m], 'debian', 'cloud-amd64');
    expect(r.release).toBe('6.1.0-56-cloud-amd64');
    expect(r.kernelPackage).toBe('linux-image-6.1.0-56-cloud-amd64');
    expect(r.files.map((f) => [f.name, f.size])).toEqual([
      ['linux-image-6.1.0-56-cloud-amd64_6.1.192-2_amd64.deb', 1008],
      ['linux-image-cloud-amd64_6.1.192-2_amd64.deb', 72],
    ]);
    expect(r.files[0]!.sha256).toBe(createHash('sha256').update(readFileSync(k)).digest('hex'));
  });

  it('refuses what is not a kernel package of this kind, with a reason a person can act on', async () => {
    const k = file('linux-image-6.1.0-57-cloud-amd64_6.1.193-1_amd64.deb', deb());
    await expect(inspectPackageFiles(['relative/x.deb'], 'debian', 'cloud-amd64')).rejects.toMatchObject({ code: 'BAD_INPUT', message: /absolute/ });
    await expect(inspectPackageFiles([join(dir, 'missing_1_amd64.deb')], 'debian', 'cloud-amd64')).rejects.toMatchObject({ code: 'BAD_INPUT', message: /does not exist/ });
    await expect(inspectPackageFiles([file('linux-image-6.1.0-58-cloud-amd64_1_amd64.deb', Buffer.from('<html>not found</html>'))], 'debian', 'cloud-amd64')).rejects.toMatchObject({ message: /does not look like a \.deb/ });
    await expect(inspectPackageFiles([file('libfoo_1.0-1_amd64.deb', deb())], 'debian', 'cloud-amd64')).rejects.toMatchObject({ message: /None of the files is a kernel image of the running flavor \(cloud-amd64\)/ });
    const k2 = file('linux-image-6.1.0-59-cloud-amd64_6.1.194-1_amd64.deb', deb());
    await expect(inspectPackageFiles([k, k2], 'debian', 'cloud-amd64')).rejects.toMatchObject({ message: /More than one kernel image/ });
    await expect(inspectPackageFiles([k, k], 'debian', 'cloud-amd64')).rejects.toMatchObject({ message: /listed twice/ });
    await expect(inspectPackageFiles([k], 'alpine', 'lts')).rejects.toMatchObject({ message: /not named like an Alpine package/ });
    await expect(inspectPackageFiles([], 'debian', 'cloud-amd64')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('accepts an Alpine kernel .apk (gzip stream)', async () => {
    const r = await inspectPackageFiles([file('linux-lts-6.6.58-r0.apk', apk())], 'alpine', 'lts');
    expect(r.release).toBe('6.6.58-0-lts');
  });
});

/** The step's upload over a Target that runs each argv here, under the same sh, base64 and sha256sum a Debian VM has. */
function localTarget(): Target & { calls: number } {
  const t = {
    calls: 0,
    profile: { name: 'local', host: 'localhost' } as Target['profile'],
    async exec(argv: readonly string[], opts: { stdin?: string } = {}) {
      t.calls++;
      const r = await run(argv[0]!, argv.slice(1), opts.stdin !== undefined ? { input: opts.stdin } : {});
      return { code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr, truncated: false, durationMs: 0 };
    },
    probe: () => Promise.reject(new Error('unused')),
    readFile: () => Promise.reject(new Error('unused')),
    writeFile: () => Promise.reject(new Error('unused')),
  };
  return t;
}

describe('uploadFiles', () => {
  it('copies binary files in base64 pieces and checks their SHA-256', async () => {
    const k = file('linux-image-6.1.0-60-cloud-amd64_6.1.195-1_amd64.deb', deb(250_000));
    const e = file('linux-image-cloud-amd64_6.1.195-1_amd64.deb', Buffer.alloc(0));
    // Hashed here rather than by inspectPackageFiles, which rightly refuses the empty file: its upload is tested too.
    const files = [k, e].map((p) => {
      const buf = readFileSync(p);
      return { localPath: p, name: p.split('/').pop()!, size: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
    });
    const remote = join(dir, 'remote-upload');
    const t = localTarget();
    const logs: string[] = [];
    await uploadFiles(t, remote, files, { elevate: false, chunkBytes: 64 * 1024, log: (m) => logs.push(m) });
    expect(readFileSync(join(remote, files[0]!.name)).equals(readFileSync(k))).toBe(true);
    expect(readFileSync(join(remote, files[1]!.name)).length).toBe(0);
    // mkdir + (create + 4 pieces + sha256sum) + (create + sha256sum)
    expect(t.calls).toBe(1 + 6 + 2);
    expect(logs[0]).toMatch(/SHA-256 matches/);
    // mkdir refuses a directory that is already there: nothing planted in advance is reused.
    await expect(uploadFiles(t, remote, files, { elevate: false })).rejects.toMatchObject({ code: 'REMOTE_COMMAND_FAILED' });
  });

  it('notices a file that arrives damaged', async () => {
    const k = file('linux-image-6.1.0-61-cloud-amd64_6.1.196-1_amd64.deb', deb(1000));
    const f = { localPath: k, name: 'x.deb', size: 1008, sha256: '0'.repeat(64) };
    await expect(uploadFiles(localTarget(), join(dir, 'remote-bad'), [f], { elevate: false })).rejects.toMatchObject({ code: 'VERIFY_FAILED', message: /arrived on the VM damaged/ });
  });

  it('names the upload directory from a hex token only', () => {
    expect(uploadDirFor('0123456789ab')).toBe('/var/tmp/hardenlab-kernel-0123456789ab');
    expect(() => uploadDirFor('../../etc')).toThrow();
  });
});
