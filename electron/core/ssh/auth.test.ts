import { constants, closeSync, openSync } from 'node:fs';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, which } from '../proc';
import { MemorySecretStore } from '../secrets/memory-store';
import { authHandlerFor, describeAuthFailure, expandHome, prepareAuth, type AuthProgress } from './auth';
import { connect } from './connection';
import { generateKey, sshKeygen, tempDir } from './testing/local-tools';

describe.skipIf(!sshKeygen)('prepareAuth (real key files)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => dir.cleanup());
  const secrets = new MemorySecretStore();
  const base = { user: 'hl', profileName: 'p', secrets };

  it('reads an unencrypted key and describes it by fingerprint', async () => {
    const k = await generateKey(dir.path, 'plain');
    const a = await prepareAuth({ ...base, auth: { kind: 'key', keyPath: k.privatePath } });
    expect(a.method).toBe('publickey');
    expect(a.description).toMatch(/^key .*plain \(ssh-ed25519 SHA256:/);
    expect(a.attempts).toHaveLength(1);
  });

  it('an encrypted key: SECRET_REQUIRED without passphrase, AUTH_FAILED on a wrong one, ready with the right one', async () => {
    const k = await generateKey(dir.path, 'enc', 'ed25519', 'right horse');
    const s = new MemorySecretStore();
    await expect(prepareAuth({ ...base, secrets: s, auth: { kind: 'key', keyPath: k.privatePath } })).rejects.toMatchObject({ code: 'SECRET_REQUIRED', detail: 'passphrase' });
    await s.set('p', 'passphrase', 'wrong');
    await expect(prepareAuth({ ...base, secrets: s, auth: { kind: 'key', keyPath: k.privatePath } })).rejects.toMatchObject({ code: 'AUTH_FAILED', detail: 'passphrase' });
    await s.set('p', 'passphrase', 'right horse');
    expect((await prepareAuth({ ...base, secrets: s, auth: { kind: 'key', keyPath: k.privatePath } })).method).toBe('publickey');
  });

  it('says clearly when the key file is missing or is a public key', async () => {
    await expect(prepareAuth({ ...base, auth: { kind: 'key', keyPath: join(dir.path, 'nope') } })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const k = await generateKey(dir.path, 'pubonly');
    await expect(prepareAuth({ ...base, auth: { kind: 'key', keyPath: k.publicPath } })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await writeFile(join(dir.path, 'junk'), 'hello');
    await expect(prepareAuth({ ...base, auth: { kind: 'key', keyPath: join(dir.path, 'junk') } })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('password and agent need their secret or socket before any traffic', async () => {
    await expect(prepareAuth({ ...base, auth: { kind: 'password' } })).rejects.toMatchObject({ code: 'SECRET_REQUIRED', detail: 'password' });
    await secrets.set('p', 'password', 'pw');
    const a = await prepareAuth({ ...base, auth: { kind: 'password' } });
    expect(a.attempts.map((x) => x.type)).toEqual(['password', 'keyboard-interactive']);
    await expect(prepareAuth({ ...base, auth: { kind: 'agent' }, env: {} })).rejects.toMatchObject({ code: 'AUTH_FAILED', detail: 'agent' });
    expect((await prepareAuth({ ...base, auth: { kind: 'agent' }, env: { SSH_AUTH_SOCK: '/x' } })).method).toBe('agent');
  });
});

/** Settles with the promise's outcome, or with a 'still pending' error after ms: a hang fails the test instead of stalling it. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms))]);
}

const mkfifo = which('mkfifo');
const UNUSABLE = /^Cannot use the key file .*: it is not a regular readable file under 64 KiB\.$/;

describe.skipIf(!sshKeygen || !mkfifo)('prepareAuth refuses key paths that are not small regular files', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let fifo: string;
  beforeAll(async () => {
    dir = await tempDir('hl-keyfile-');
    fifo = join(dir.path, 'fifo');
    const r = await run('mkfifo', [fifo]);
    if (r.code !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
  });
  afterAll(async () => {
    // A reader stuck in open() of the FIFO (the bug this guards against) holds a libuv thread: let it go.
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      /* no reader waiting */
    }
    await dir.cleanup();
  });
  const base = { user: 'hl', profileName: 'p', secrets: new MemorySecretStore() };
  const keyAt = (keyPath: string) => prepareAuth({ ...base, auth: { kind: 'key', keyPath } });

  it('a FIFO is refused at once, without waiting for a writer', async () => {
    const t0 = Date.now();
    const err = await within(1_000, keyAt(fifo)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(UNUSABLE) });
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('connect with a FIFO key returns within a second, and so does its cancel', async () => {
    const ctrl = new AbortController();
    const profile = { name: 'p', host: '127.0.0.1', port: 1, user: 'hl', auth: { kind: 'key' as const, keyPath: fifo }, elevation: 'auto' as const, origin: 'manual' as const };
    const p = connect(profile, { secrets: new MemorySecretStore(), signal: ctrl.signal, knownHostsPath: join(dir.path, 'kh') });
    setTimeout(() => ctrl.abort(), 100);
    const err = await within(1_000, p).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/^(BAD_INPUT|CANCELLED)$/) });
  });

  it('a cancelled connect does not read the key file', async () => {
    const k = await generateKey(dir.path, 'ok');
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(prepareAuth({ ...base, auth: { kind: 'key', keyPath: k.privatePath }, signal: ctrl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('/dev/zero is refused without reading it', async () => {
    await expect(within(1_000, keyAt('/dev/zero'))).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(UNUSABLE) });
  });

  it('a 1 MiB file is refused', async () => {
    const big = join(dir.path, 'big');
    await writeFile(big, Buffer.alloc(1024 * 1024, 0x41));
    await expect(keyAt(big)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(UNUSABLE) });
  });

  it('a symlink to a key works; a symlink to a device does not', async () => {
    const k = await generateKey(dir.path, 'target');
    await symlink(k.privatePath, join(dir.path, 'link'));
    expect((await keyAt(join(dir.path, 'link'))).method).toBe('publickey');
    await symlink('/dev/zero', join(dir.path, 'zero-link'));
    await expect(keyAt(join(dir.path, 'zero-link'))).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(UNUSABLE) });
  });

  it('a missing file, a directory and a FIFO read the same: the message is no file-existence oracle', async () => {
    const messageFor = async (path: string) => ((await keyAt(path).catch((e: unknown) => e)) as Error).message.replace(path, 'PATH');
    const missing = await messageFor(join(dir.path, 'nope'));
    expect(await messageFor(dir.path)).toBe(missing);
    expect(await messageFor(fifo)).toBe(missing);
    expect(await messageFor('/root/.nonexistent/secret')).toBe(missing);
  });
});

describe('auth handler and failure messages', () => {
  it('offers only what the server accepts and records what was tried', () => {
    const prepared = { method: 'password' as const, description: 'password', attempts: [{ type: 'password' as const, username: 'u', password: 'p' }, { type: 'keyboard-interactive' as const, username: 'u', prompt: () => undefined }] };
    const progress: AuthProgress = { tried: [], serverMethods: null };
    const h = authHandlerFor(prepared, progress);
    const sent: unknown[] = [];
    h(null as never, null as never, (a) => sent.push(a));
    h(['publickey', 'password'], false, (a) => sent.push(a));
    expect(progress.tried).toEqual(['password']);
    expect(sent[1]).toBe(false);
  });

  it('wrong password and wrong key read differently, and name the method', () => {
    const progress = (tried: AuthProgress['tried']): AuthProgress => ({ tried, serverMethods: ['publickey', 'password'] });
    const pw = describeAuthFailure({ prepared: { method: 'password', description: 'password' }, progress: progress(['password']), user: 'hl', host: 'h', port: 22 });
    const key = describeAuthFailure({ prepared: { method: 'publickey', description: 'key ~/.ssh/k (ssh-ed25519 SHA256:x)' }, progress: progress(['publickey']), user: 'hl', host: 'h', port: 22 });
    expect(pw).toMatchObject({ code: 'AUTH_FAILED', detail: 'password' });
    expect(pw.message).toBe('The server refused the password for hl@h:22.');
    expect(key).toMatchObject({ code: 'AUTH_FAILED', detail: 'publickey' });
    expect(key.message).toContain('refused the key ~/.ssh/k');
    expect(key.hint).toContain('authorized_keys');
    const notOffered = describeAuthFailure({ prepared: { method: 'password', description: 'password' }, progress: { tried: [], serverMethods: ['publickey'] }, user: 'hl', host: 'h', port: 22 });
    expect(notOffered.message).toBe('h:22 does not allow password login; it accepts: publickey.');
  });

  it('expands ~ only at the start', () => {
    expect(expandHome('~/.ssh/id', '/home/u')).toBe('/home/u/.ssh/id');
    expect(expandHome('/a/~/b', '/home/u')).toBe('/a/~/b');
  });
});
