import { chown, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, which } from '../proc';
import type { RawExecResult } from './exec-channel';
import { ATOMIC_WRITE_SCRIPT, backupPathFor, checkRemotePath, readFile as readRemote, writeFileAtomic, type FileTarget } from './remote-files';
import { busyboxPath, tempDir } from './testing/local-tools';

/**
 * The remote half of the file functions is a shell script; here it runs
 * under this machine's real shells (dash as on Debian, busybox ash with
 * busybox applets only, as on Alpine) through the same writeFileAtomic code
 * path, with the process runner standing in for the SSH channel.
 */
function localTarget(shell: string[], env?: NodeJS.ProcessEnv): FileTarget {
  const exec = async (argv: readonly string[], opts: { stdin?: string | Buffer } = {}): Promise<RawExecResult> => {
    const [cmd, ...rest] = argv[0] === 'sh' ? [...shell, ...argv.slice(1)] : argv;
    const t0 = Date.now();
    const r = await run(cmd!, rest, { ...(opts.stdin !== undefined ? { input: opts.stdin } : {}), ...(env ? { env } : {}) });
    return { code: r.code, signal: r.signal, stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr), truncated: r.truncated, durationMs: Date.now() - t0 };
  };
  return { profile: { host: 'local' }, execRaw: exec, execScript: (script, args, opts) => exec(['sh', '-c', script, 'sh', ...args], opts) };
}

const isRoot = process.getuid?.() === 0;
const shells: Array<[string, () => Promise<FileTarget>]> = [['dash', async () => localTarget(['dash'])]];
if (which('busybox')) shells.push(['busybox', async () => localTarget([which('busybox')!, 'ash'], { PATH: await busyboxPath(bbDir.path) })]);
let bbDir: Awaited<ReturnType<typeof tempDir>>;

async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.includes('.hardenlab-') && !f.includes('hardenlab-bak'));
}

describe('remote path checks', () => {
  it('accepts only absolute normal paths to files', () => {
    expect(checkRemotePath('/etc/ssh/sshd_config')).toBe('/etc/ssh/sshd_config');
    for (const bad of ['etc/x', '/etc/../x', '/etc//x', '/etc/x/', '/', '/a\nb', '/a\0b']) expect(() => checkRemotePath(bad)).toThrow();
  });
  it('names backups by time, sortable', () => {
    expect(backupPathFor('/etc/f', new Date('2026-11-29T10:15:30.123Z'))).toBe('/etc/f.hardenlab-bak-20261129T101530123Z');
  });
  it('keeps names out of the script text', () => {
    expect(ATOMIC_WRITE_SCRIPT).not.toMatch(/\$\{?[a-z]+\}?[^"]*\beval\b/);
    expect(ATOMIC_WRITE_SCRIPT).toContain('target=$1');
  });
});

beforeAll(async () => {
  bbDir = await tempDir('hl-bb-');
});
afterAll(async () => bbDir.cleanup());

describe.each(shells)('writeFileAtomic script under %s', (_name, makeTarget) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let conn: FileTarget;
  beforeAll(async () => {
    dir = await tempDir('hl-write-');
    conn = await makeTarget();
  });
  afterAll(async () => dir.cleanup());

  it('creates a new file (mode 0644 unless given) without a backup', async () => {
    const p = join(dir.path, 'new.conf');
    const r = await writeFileAtomic(conn, p, 'hello\n');
    expect(r).toEqual({ path: p, backupPath: null, bytes: 6 });
    expect(await readFile(p, 'utf8')).toBe('hello\n');
    expect((await stat(p)).mode & 0o7777).toBe(0o644);
    await writeFileAtomic(conn, join(dir.path, 'given.conf'), 'x', { mode: '0600' });
    expect((await stat(join(dir.path, 'given.conf'))).mode & 0o7777).toBe(0o600);
    expect(await leftovers(dir.path)).toEqual([]);
  });

  it('replaces a file keeping its mode, and keeps the old content as a backup', async () => {
    const p = join(dir.path, 'keep.conf');
    await writeFile(p, 'old\n', { mode: 0o640 });
    const r = await writeFileAtomic(conn, p, Buffer.from([0, 1, 2, 255, 10]), { now: new Date('2026-01-02T03:04:05.006Z') });
    expect(r.backupPath).toBe(`${p}.hardenlab-bak-20260102T030405006Z`);
    expect(await readFile(p)).toEqual(Buffer.from([0, 1, 2, 255, 10]));
    expect((await stat(p)).mode & 0o7777).toBe(0o640);
    expect(await readFile(r.backupPath!, 'utf8')).toBe('old\n');
    await expect(writeFileAtomic(conn, p, 'again', { now: new Date('2026-01-02T03:04:05.006Z') })).rejects.toThrow(/backup name .* is taken/);
    expect(await readFile(p)).toEqual(Buffer.from([0, 1, 2, 255, 10]));
    await writeFileAtomic(conn, p, 'no backup', { backup: false });
    expect((await readdir(dir.path)).filter((f) => f.startsWith('keep.conf.hardenlab-bak')).length).toBe(1);
  });

  it.skipIf(!isRoot)('keeps the owner of an existing file and sets a given owner (as root)', async () => {
    const p = join(dir.path, 'owned.conf');
    await writeFile(p, 'x', { mode: 0o640 });
    await chown(p, 65534, 65534);
    await writeFileAtomic(conn, p, 'y');
    const s = await stat(p);
    expect([s.uid, s.gid, s.mode & 0o7777]).toEqual([65534, 65534, 0o640]);
    await writeFileAtomic(conn, p, 'z', { owner: '0:0', mode: 0o600 });
    const s2 = await stat(p);
    expect([s2.uid, s2.gid, s2.mode & 0o7777]).toEqual([0, 0, 0o600]);
  });

  it('refuses a symlinked file or directory (UNSAFE_PATH) and leaves both ends untouched', async () => {
    const real = join(dir.path, 'real.conf');
    await writeFile(real, 'real\n');
    const link = join(dir.path, 'link.conf');
    await symlink(real, link);
    await expect(writeFileAtomic(conn, link, 'evil')).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
    expect(await readFile(real, 'utf8')).toBe('real\n');
    expect(await readlink(link)).toBe(real);
    await mkdir(join(dir.path, 'realdir'));
    await symlink(join(dir.path, 'realdir'), join(dir.path, 'linkdir'));
    await expect(writeFileAtomic(conn, join(dir.path, 'linkdir', 'f'), 'evil')).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
    expect(await readdir(join(dir.path, 'realdir'))).toEqual([]);
  });

  it('follows links when allowed: the link stays, its target gets the content', async () => {
    const real = join(dir.path, 'real2.conf');
    await writeFile(real, 'real\n', { mode: 0o600 });
    const link = join(dir.path, 'link2.conf');
    await symlink('real2.conf', link);
    const r = await writeFileAtomic(conn, link, 'via link\n', { allowSymlink: true });
    expect(r.path).toBe(real);
    expect(await readFile(real, 'utf8')).toBe('via link\n');
    expect((await stat(real)).mode & 0o7777).toBe(0o600);
    expect(await readlink(link)).toBe('real2.conf');
  });

  it('a writer that stops early (fewer bytes than announced) never replaces the file', async () => {
    const p = join(dir.path, 'short.conf');
    await writeFile(p, 'original\n');
    // Run the script directly, announcing 1000 bytes but sending 10, as a killed writer would.
    const r = await conn.execScript(ATOMIC_WRITE_SCRIPT, [p, '', '', '', '0', '1000', ''], { stdin: 'only part' });
    expect(r.code).not.toBe(0);
    expect(r.stderr.toString()).toMatch(/HLFAIL WRITE only 9 of 1000 bytes arrived/);
    expect(await readFile(p, 'utf8')).toBe('original\n');
    expect(await leftovers(dir.path)).toEqual([]);
    const bad = await conn.execScript(ATOMIC_WRITE_SCRIPT, [p, '', '', '', '0', '9', '0'.repeat(64)], { stdin: 'only part' });
    expect(bad.stderr.toString()).toContain('checksum mismatch');
    expect(await readFile(p, 'utf8')).toBe('original\n');
    expect(await leftovers(dir.path)).toEqual([]);
  });

  it('reports a missing directory and a directory target clearly', async () => {
    await expect(writeFileAtomic(conn, join(dir.path, 'nope', 'f'), 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await mkdir(join(dir.path, 'isdir'));
    await expect(writeFileAtomic(conn, join(dir.path, 'isdir'), 'x')).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
  });

  it('reads files back, binary-safe, and tells a missing file apart', async () => {
    const p = join(dir.path, 'bin');
    await writeFile(p, Buffer.from([0, 200, 10]));
    expect(Buffer.from((await readRemote(conn, p)) as string, 'utf8').length).toBeGreaterThan(0);
    await expect(readRemote(conn, join(dir.path, 'missing'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await readRemote(conn, join(dir.path, 'missing'), { missingOk: true })).toBeNull();
  });
});
