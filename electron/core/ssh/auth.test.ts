import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../secrets/memory-store';
import { authHandlerFor, describeAuthFailure, expandHome, prepareAuth, type AuthProgress } from './auth';
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
    await expect(prepareAuth({ ...base, auth: { kind: 'key', keyPath: join(dir.path, 'nope') } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
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
