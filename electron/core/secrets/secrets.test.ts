import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore, MemorySecretStore, layeredSecretStore, overlaySecrets, type StringEncryption } from './index';

/** A real AES-256-GCM "keychain" with a key held in memory: the shape safeStorage offers. */
function aesKeychain(available = true): StringEncryption & { key: Buffer } {
  const key = randomBytes(32);
  return {
    key,
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(b) {
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

describe('MemorySecretStore', () => {
  it('keeps secrets per profile and kind for the session', async () => {
    const s = new MemorySecretStore();
    expect(s.persistent).toBe(false);
    await s.set('a', 'password', 'pw');
    await s.set('a', 'passphrase', 'pp');
    expect(await s.get('a', 'password')).toBe('pw');
    expect(await s.get('b', 'password')).toBeUndefined();
    await s.delete('a', 'password');
    expect(await s.get('a', 'password')).toBeUndefined();
    expect(await s.get('a', 'passphrase')).toBe('pp');
    await s.delete('a');
    expect(await s.get('a', 'passphrase')).toBeUndefined();
  });
});

describe('EncryptedFileSecretStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hl-secrets-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('stores only ciphertext, in a 0600 file, and reads it back after a "restart"', async () => {
    const kc = aesKeychain();
    const file = join(dir, 'sub', 'secrets.json');
    const s = new EncryptedFileSecretStore(kc, file);
    await Promise.all([s.set('lab', 'password', 'correct horse battery'), s.set('lab', 'passphrase', 'pp-1'), s.set('other', 'password', 'x')]);
    const raw = await readFile(file, 'utf8');
    expect(raw).not.toContain('correct horse');
    expect(raw).not.toContain('pp-1');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = new EncryptedFileSecretStore(kc, file);
    expect(await again.get('lab', 'password')).toBe('correct horse battery');
    expect(await again.get('lab', 'passphrase')).toBe('pp-1');
    expect(await again.get('other', 'password')).toBe('x');
    await again.delete('lab', 'password');
    expect(await again.get('lab', 'password')).toBeUndefined();
    expect(await again.get('lab', 'passphrase')).toBe('pp-1');
  });

  it('refuses to store anything when the OS offers no encryption', async () => {
    const file = join(dir, 'secrets.json');
    const s = new EncryptedFileSecretStore(aesKeychain(false), file);
    await expect(s.set('lab', 'password', 'pw')).rejects.toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE' });
    await expect(stat(file)).rejects.toThrow();
  });

  it('a value encrypted under another keychain reads as absent (asked again), not as garbage', async () => {
    const file = join(dir, 'secrets.json');
    await new EncryptedFileSecretStore(aesKeychain(), file).set('lab', 'password', 'pw');
    expect(await new EncryptedFileSecretStore(aesKeychain(), file).get('lab', 'password')).toBeUndefined();
  });
});

describe('layered and overlay stores', () => {
  it('reads session first then persistent; writes only to the first; overlay wins for one profile', async () => {
    const session = new MemorySecretStore();
    const saved = new MemorySecretStore();
    await saved.set('lab', 'password', 'saved');
    const s = layeredSecretStore([session, saved]);
    expect(await s.get('lab', 'password')).toBe('saved');
    await s.set('lab', 'password', 'typed');
    expect(await s.get('lab', 'password')).toBe('typed');
    expect(await saved.get('lab', 'password')).toBe('saved');
    const o = overlaySecrets(s, 'lab', { passphrase: 'now' });
    expect(await o.get('lab', 'passphrase')).toBe('now');
    expect(await o.get('lab', 'password')).toBe('typed');
    expect(await o.get('other', 'passphrase')).toBeUndefined();
    await s.delete('lab');
    expect(await saved.get('lab', 'password')).toBeUndefined();
  });
});
