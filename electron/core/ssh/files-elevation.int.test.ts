import { chmod, chown, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile';
import { HardenLabError } from '../errors';
import { run, which } from '../proc';
import { MemorySecretStore } from '../secrets/memory-store';
import { connect, type ConnectOptions, type SshConnection } from './connection';
import { detectElevation } from './elevation-detect';
import { readFile as readRemote, writeFileAtomic } from './remote-files';
import { generateKey, tempDir, type GeneratedKey } from './testing/local-tools';
import { canRunSshd, ensureTestUser, LocalSshd, TEST_PASSWORD, TEST_USER, whyNoSshd } from './testing/local-sshd';

if (!canRunSshd) console.warn(`[ssh integration] skipped: ${whyNoSshd}`);

/**
 * Elevation and atomic file writes against a real sshd. The test installs
 * nothing: it needs sudo (and opendoas for the doas case) from apt, writes a
 * sudoers drop-in and /etc/doas.conf only for the duration of a test, and
 * removes them afterwards.
 */
const SUDOERS = '/etc/sudoers.d/hardenlab-test';
const DOAS_CONF = '/etc/doas.conf';
const hasSudo = !!which('sudo') || existsSync('/usr/bin/sudo');
const hasDoas = !!which('doas') || existsSync('/usr/bin/doas');

async function setSudoers(content: string | null): Promise<void> {
  if (content === null) {
    await rm(SUDOERS, { force: true });
    return;
  }
  const tmp = `${SUDOERS}.tmp`;
  await writeFile(tmp, content, { mode: 0o440 });
  const check = await run('visudo', ['-cf', tmp]);
  if (check.code !== 0) throw new Error(`visudo rejected the test drop-in: ${check.stdout}${check.stderr}`);
  await run('mv', ['-f', tmp, SUDOERS]);
}

describe.skipIf(!canRunSshd)('elevation and remote files against a real sshd', () => {
  let sshd: LocalSshd;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let key: GeneratedKey;
  let secrets: MemorySecretStore;
  let profile: Profile;
  let opts: ConnectOptions;
  let userDir: string;
  let rootDir: string;

  beforeAll(async () => {
    await ensureTestUser();
    await setSudoers(null);
    sshd = await LocalSshd.start();
    dir = await tempDir('hl-files-');
    await chmod(dir.path, 0o755);
    key = await generateKey(dir.path, 'client');
    await sshd.authorize(TEST_USER, key.publicText);
    await sshd.authorize('root', key.publicText);
    secrets = new MemorySecretStore();
    await secrets.set('f', 'password', TEST_PASSWORD);
    profile = { name: 'f', host: '127.0.0.1', port: sshd.port, user: TEST_USER, auth: { kind: 'key', keyPath: key.privatePath }, pinnedHostKey: sshd.hostKeyText, elevation: 'auto', origin: 'manual' };
    opts = { secrets, knownHostsPath: join(dir.path, 'known_hosts'), timeoutMs: 10_000 };
    userDir = join(dir.path, 'user');
    rootDir = join(dir.path, 'root');
    await mkdir(userDir);
    const uid = Number((await run('id', ['-u', TEST_USER])).stdout.trim());
    const gid = Number((await run('id', ['-g', TEST_USER])).stdout.trim());
    await chown(userDir, uid, gid);
    await mkdir(rootDir, { mode: 0o755 });
  });
  afterAll(async () => {
    await setSudoers(null);
    await sshd?.dispose();
    await dir?.cleanup();
  });

  const fresh = (over: Partial<Profile> = {}, o: Partial<ConnectOptions> = {}) => connect({ ...profile, ...over }, { ...opts, ...o });

  describe('elevation', () => {
    it('none: a plain user gets NO_ELEVATION with a fix', async () => {
      const c = await fresh();
      expect(await detectElevation(c)).toBe('none');
      const err = (await c.exec(['id', '-u'], { elevate: true }).catch((e) => e)) as HardenLabError;
      expect(err.code).toBe('NO_ELEVATION');
      expect(err.message).toContain(`${TEST_USER} cannot become root`);
      expect(err.hint).toContain(`usermod -aG sudo ${TEST_USER}`);
      await c.close();
    });

    it.skipIf(!hasSudo)('sudo with the password on stdin: detected, verified, and the command still gets its own stdin intact', async () => {
      await setSudoers(`${TEST_USER} ALL=(ALL:ALL) ALL\n`);
      try {
        const c = await fresh();
        expect(await detectElevation(c)).toBe('sudo-password');
        const id = await c.exec(['id', '-u'], { elevate: true });
        expect(id.stdout).toBe('0\n');
        // Twice in a row: sudo must not cache and skip reading the password (which would then reach the command).
        const payload = 'first line\n' + 'payload '.repeat(10_000);
        for (let i = 0; i < 2; i++) {
          const r = await c.exec(['sha256sum'], { elevate: true, stdin: payload });
          expect(r.stdout.split(' ')[0]).toBe(createHash('sha256').update(payload).digest('hex'));
        }
        // The password is not on any command line: sudo's own argv as seen by the remote kernel.
        const argv = await c.exec(['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline 2>/dev/null; echo; done'], { elevate: true });
        expect(argv.stdout).not.toContain(TEST_PASSWORD);
        expect(argv.stdout).toContain("sudo -k -S -p  -- sh -c");
        await c.close();

        const wrong = new MemorySecretStore();
        await wrong.set('f', 'password', 'not-the-password');
        const w = await fresh({}, { secrets: wrong });
        const report = await w.elevation();
        expect(report.mode).toBe('none');
        expect(report.note).toContain('refused the stored password');
        await w.close();

        const nopw = await fresh({}, { secrets: new MemorySecretStore() });
        const nr = await nopw.elevation();
        // Without a stored password and outside the sudo group we cannot tell, and say so.
        expect(nr.mode).toBe('none');
        expect(nr.note).toContain('no password is stored');
        await nopw.close();
      } finally {
        await setSudoers(null);
      }
    });

    it.skipIf(!hasSudo)('sudo -n when the rule says NOPASSWD', async () => {
      await setSudoers(`${TEST_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n`);
      try {
        const c = await fresh({}, { secrets: new MemorySecretStore() });
        expect(await detectElevation(c)).toBe('sudo-nopasswd');
        expect((await c.exec(['id', '-un'], { elevate: true })).stdout).toBe('root\n');
        await c.close();
        const none = await fresh({ elevation: 'none' });
        await expect(none.exec(['id'], { elevate: true })).rejects.toMatchObject({ code: 'NO_ELEVATION', message: expect.stringContaining('never elevate') });
        await none.close();
      } finally {
        await setSudoers(null);
      }
    });

    it.skipIf(!hasDoas || existsSync(DOAS_CONF))('doas with a permit nopass rule', async () => {
      await writeFile(DOAS_CONF, `permit nopass ${TEST_USER} as root\n`, { mode: 0o400 });
      try {
        const c = await fresh({ elevation: 'doas' });
        expect(await detectElevation(c)).toBe('doas');
        expect((await c.exec(['id', '-u'], { elevate: true })).stdout).toBe('0\n');
        await c.close();
      } finally {
        await rm(DOAS_CONF, { force: true });
      }
    });

    it('root login needs no elevation', async () => {
      const c = await fresh({ user: 'root' });
      expect(await detectElevation(c)).toBe('root');
      expect((await c.exec(['id', '-u'], { elevate: true })).stdout).toBe('0\n');
      await c.close();
    });
  });

  describe('writeFileAtomic over SSH', () => {
    let conn: SshConnection;
    beforeAll(async () => {
      conn = await fresh({ user: 'root' });
    });
    afterAll(async () => conn?.close());

    const tempFiles = async (d: string) => (await readdir(d)).filter((f) => f.includes('.hardenlab-') && !f.includes('hardenlab-bak'));

    it('keeps mode and owner of the old file, keeps a backup, fsyncs and renames', async () => {
      const p = join(rootDir, 'sshd_config');
      await writeFile(p, 'PermitRootLogin yes\n', { mode: 0o640 });
      await chown(p, 65534, 65534);
      const r = await writeFileAtomic(conn, p, 'PermitRootLogin no\n');
      expect(await readFile(p, 'utf8')).toBe('PermitRootLogin no\n');
      const s = await stat(p);
      expect([s.uid, s.gid, s.mode & 0o7777]).toEqual([65534, 65534, 0o640]);
      expect(r.backupPath).toMatch(/sshd_config\.hardenlab-bak-\d{8}T\d{9}Z$/);
      expect(await readFile(r.backupPath!, 'utf8')).toBe('PermitRootLogin yes\n');
      expect(await tempFiles(rootDir)).toEqual([]);
    });

    it.skipIf(!hasSudo)('works elevated through sudo with the password on stdin (content after it intact)', async () => {
      await setSudoers(`${TEST_USER} ALL=(ALL:ALL) ALL\n`);
      try {
        const c = await fresh();
        const p = join(rootDir, 'via-sudo.conf');
        await writeFile(p, 'old\n', { mode: 0o600 });
        const content = Buffer.concat([Buffer.from('new content\n'), Buffer.alloc(70_000, 0x61)]);
        await writeFileAtomic(c, p, content, { elevate: true });
        expect((await readFile(p)).equals(content)).toBe(true);
        const s = await stat(p);
        expect([s.uid, s.mode & 0o7777]).toEqual([0, 0o600]);
        // Without elevation the same write is refused and changes nothing.
        await expect(writeFileAtomic(c, p, 'x')).rejects.toBeInstanceOf(HardenLabError);
        expect((await readFile(p)).equals(content)).toBe(true);
        // Reading a root-only file: refused plainly, fine elevated.
        await expect(readRemote(c, p)).rejects.toMatchObject({ code: 'REMOTE_COMMAND_FAILED', hint: expect.stringContaining('elevated') });
        expect(await readRemote(c, p, { elevate: true })).toBe(content.toString('utf8'));
        await c.close();
      } finally {
        await setSudoers(null);
      }
    });

    it('disk full mid-write (small tmpfs): error, old file intact, no temp file', async (ctx) => {
      const mnt = join(dir.path, 'full');
      await mkdir(mnt);
      const m = await run('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', mnt]);
      if (m.code !== 0 && /permission denied|not permitted/i.test(m.stderr)) {
        console.warn(`[ssh integration] disk-full test skipped: this container may not mount tmpfs (${m.stderr.trim()})`);
        ctx.skip();
      }
      expect(m.code, m.stderr).toBe(0);
      try {
        const p = join(mnt, 'config');
        await writeFile(p, 'x'.repeat(20_000), { mode: 0o644 });
        const err = (await writeFileAtomic(conn, p, 'y'.repeat(200_000)).catch((e) => e)) as HardenLabError;
        expect(err).toBeInstanceOf(HardenLabError);
        expect(err.code).toBe('REMOTE_COMMAND_FAILED');
        expect(err.message).toMatch(/No space left on device/);
        expect(err.message).toContain('left as it was');
        expect(await readFile(p, 'utf8')).toBe('x'.repeat(20_000));
        expect(await tempFiles(mnt)).toEqual([]);
      } finally {
        await run('umount', [mnt]);
      }
    });

    it('a killed writer (its cat gets SIGKILL) leaves the old file and no temp file', async () => {
      const p = join(userDir, 'killed.conf');
      await writeFile(p, 'original\n');
      const c = await fresh();
      const big = Buffer.alloc(64 * 1024 * 1024, 0x62);
      const writing = writeFileAtomic(c, p, big, { timeoutMs: 60_000 }).catch((e) => e);
      let killed = false;
      for (let i = 0; i < 400 && !killed; i++) {
        const sh = (await run('pgrep', ['-u', TEST_USER, '-f', 'hardenlab-atomic-write'])).stdout.split('\n').filter(Boolean);
        for (const pid of sh) {
          const cat = (await run('pgrep', ['-P', pid, '-x', 'cat'])).stdout.trim();
          if (cat) {
            process.kill(Number(cat), 'SIGKILL');
            killed = true;
          }
        }
        if (!killed) await new Promise((r) => setTimeout(r, 5));
      }
      expect(killed).toBe(true);
      const err = (await writing) as HardenLabError;
      expect(err).toBeInstanceOf(HardenLabError);
      expect(await readFile(p, 'utf8')).toBe('original\n');
      expect(await tempFiles(userDir)).toEqual([]);
      await c.close();
    });

    it('the connection dropping mid-write leaves the old file and no temp file', async () => {
      const p = join(userDir, 'dropped.conf');
      await writeFile(p, 'original\n');
      const c = await fresh();
      const big = Buffer.alloc(64 * 1024 * 1024, 0x63);
      const writing = writeFileAtomic(c, p, big, { timeoutMs: 60_000 }).catch((e) => e);
      for (let i = 0; i < 400 && (await tempFiles(userDir)).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect((await tempFiles(userDir)).length).toBe(1);
      c.destroy();
      const err = (await writing) as HardenLabError;
      expect(err).toBeInstanceOf(HardenLabError);
      expect(err.code).toBe('NOT_CONNECTED');
      let left = await tempFiles(userDir);
      for (let i = 0; i < 50 && left.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        left = await tempFiles(userDir);
      }
      expect(left).toEqual([]);
      expect(await readFile(p, 'utf8')).toBe('original\n');
    });

    it('refuses a symlinked target or parent (UNSAFE_PATH) unless allowed', async () => {
      const target = join(rootDir, 'real-target');
      await writeFile(target, 'real\n');
      const link = join(rootDir, 'link-target');
      await symlink('/etc/passwd', link);
      await expect(writeFileAtomic(conn, link, 'pwned\n')).rejects.toMatchObject({ code: 'UNSAFE_PATH', message: expect.stringContaining('symbolic link') });
      expect((await readFile('/etc/passwd', 'utf8')).includes('pwned')).toBe(false);
      await symlink(rootDir, join(dir.path, 'linked-dir'));
      await expect(writeFileAtomic(conn, join(dir.path, 'linked-dir', 'real-target'), 'x')).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
      expect(await readFile(target, 'utf8')).toBe('real\n');
      const ok = await writeFileAtomic(conn, join(dir.path, 'linked-dir', 'real-target'), 'through link\n', { allowSymlink: true });
      expect(ok.path).toBe(target);
      expect(await readFile(target, 'utf8')).toBe('through link\n');
    });
  });
});
