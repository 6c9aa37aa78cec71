import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Res } from '../../../shared/contract';
import { createCore } from '../api/core';
import { dispatch, type Door } from '../api/dispatch';
import { EncryptedFileSecretStore, MemorySecretStore, layeredSecretStore, overlaySecrets, rememberSupport, type StringEncryption } from './index';

/** A real AES-256-GCM "keychain" with a key held in memory: the shape safeStorage offers (as on a Linux desktop with GNOME Keyring). */
function aesKeychain(available = true, backend = 'gnome_libsecret'): StringEncryption & { key: Buffer } {
  const key = randomBytes(32);
  return {
    key,
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
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
    const s = new EncryptedFileSecretStore(kc, file, 'linux');
    await Promise.all([s.set('lab', 'password', 'correct horse battery'), s.set('lab', 'passphrase', 'pp-1'), s.set('other', 'password', 'x')]);
    const raw = await readFile(file, 'utf8');
    expect(raw).not.toContain('correct horse');
    expect(raw).not.toContain('pp-1');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = new EncryptedFileSecretStore(kc, file, 'linux');
    expect(await again.get('lab', 'password')).toBe('correct horse battery');
    expect(await again.get('lab', 'passphrase')).toBe('pp-1');
    expect(await again.get('other', 'password')).toBe('x');
    await again.delete('lab', 'password');
    expect(await again.get('lab', 'password')).toBeUndefined();
    expect(await again.get('lab', 'passphrase')).toBe('pp-1');
  });

  it('refuses to store anything when the OS offers no encryption', async () => {
    const file = join(dir, 'secrets.json');
    const s = new EncryptedFileSecretStore(aesKeychain(false), file, 'linux');
    await expect(s.set('lab', 'password', 'pw')).rejects.toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE' });
    await expect(stat(file)).rejects.toThrow();
  });

  it('a value encrypted under another keychain reads as absent (asked again), not as garbage', async () => {
    const file = join(dir, 'secrets.json');
    await new EncryptedFileSecretStore(aesKeychain(), file, 'linux').set('lab', 'password', 'pw');
    expect(await new EncryptedFileSecretStore(aesKeychain(), file, 'linux').get('lab', 'password')).toBeUndefined();
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

describe('when "remember" is offered (rememberSupport)', () => {
  const linux = (linuxBackend: string | undefined, encryptionAvailable = true) => rememberSupport({ platform: 'linux', encryptionAvailable, linuxBackend });

  it('Linux: only with a real keyring that answers', () => {
    for (const backend of ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6']) {
      expect(linux(backend)).toEqual({ available: true });
      const locked = linux(backend, false);
      expect(locked.available).toBe(false);
      expect(locked.reason).toContain(backend);
    }
  });

  it("Linux: never with safeStorage's basic_text fallback, even though it reports encryption as available", () => {
    const r = linux('basic_text', true);
    expect(r.available).toBe(false);
    expect(r.reason).toMatch(/no keyring/i);
    expect(r.reason).toMatch(/fixed, publicly known password/);
    expect(r.reason).toMatch(/--password-store=gnome-libsecret/);
  });

  it('Linux: never when the backend is unknown (asked before ready), missing or unheard of', () => {
    for (const backend of ['unknown', undefined, 'kwallet7', '']) {
      const r = linux(backend);
      expect(r.available).toBe(false);
      expect(r.reason).toMatch(/could not be determined/);
    }
  });

  it('macOS and Windows: whenever safeStorage reports encryption as available', () => {
    expect(rememberSupport({ platform: 'darwin', encryptionAvailable: true })).toEqual({ available: true });
    expect(rememberSupport({ platform: 'win32', encryptionAvailable: true })).toEqual({ available: true });
    // A backend name means nothing there (Electron defines the call on Linux only).
    expect(rememberSupport({ platform: 'darwin', encryptionAvailable: true, linuxBackend: 'basic_text' })).toEqual({ available: true });
    expect(rememberSupport({ platform: 'darwin', encryptionAvailable: false })).toMatchObject({ available: false, reason: expect.stringMatching(/Keychain/) });
    expect(rememberSupport({ platform: 'win32', encryptionAvailable: false })).toMatchObject({ available: false, reason: expect.stringMatching(/DPAPI/) });
  });

  it('other platforms, and doors without safeStorage (browser mode, CLI): never', () => {
    expect(rememberSupport({ platform: 'freebsd', encryptionAvailable: true })).toMatchObject({ available: false, reason: expect.stringMatching(/freebsd/) });
    expect(rememberSupport(null)).toMatchObject({ available: false, reason: expect.stringMatching(/Only the desktop app/) });
  });
});

describe('EncryptedFileSecretStore on each platform', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hl-secrets-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("refuses to save on Linux under basic_text, says why, and writes no file", async () => {
    const file = join(dir, 'secrets.json');
    const s = new EncryptedFileSecretStore(aesKeychain(true, 'basic_text'), file, 'linux');
    expect(s.available()).toBe(false);
    await expect(s.set('lab', 'password', 'pw')).rejects.toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE', hint: expect.stringMatching(/no keyring/i) });
    await expect(stat(file)).rejects.toThrow();
  });

  it('does not read back what was saved before the keyring went away', async () => {
    const file = join(dir, 'secrets.json');
    const kc = aesKeychain(true, 'gnome_libsecret');
    await new EncryptedFileSecretStore(kc, file, 'linux').set('lab', 'password', 'pw');
    const fallback: StringEncryption = { ...kc, getSelectedStorageBackend: () => 'basic_text' };
    expect(await new EncryptedFileSecretStore(fallback, file, 'linux').get('lab', 'password')).toBeUndefined();
  });

  it('on macOS and Windows trusts isEncryptionAvailable and never asks for a Linux backend', async () => {
    for (const platform of ['darwin', 'win32']) {
      const kc: StringEncryption = { ...aesKeychain(true), getSelectedStorageBackend: () => { throw new Error('Linux only'); } };
      const s = new EncryptedFileSecretStore(kc, join(dir, `${platform}.json`), platform);
      await s.set('lab', 'password', 'pw');
      expect(await s.get('lab', 'password')).toBe('pw');
    }
  });

  it('a safeStorage that throws counts as no keychain', () => {
    const kc: StringEncryption = { ...aesKeychain(true), isEncryptionAvailable: () => { throw new Error('not ready'); } };
    expect(new EncryptedFileSecretStore(kc, join(dir, 'x.json'), 'linux').available()).toBe(false);
  });
});

describe('app.info tells the UI whether "remember" is offered, and why not', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'hl-secrets-core-'));
  });
  afterEach(async () => rm(home, { recursive: true, force: true }));

  /** The reply as a door receives it: through dispatch, so it must also pass the contract's reply schema. */
  async function appInfo(door: Door, keychain?: StringEncryption) {
    const core = createCore({ door, home, ...(keychain ? { encryption: keychain } : {}) });
    // The store reads process.platform; pin Linux so the check means the same on any host.
    if (keychain) core.services.storedSecrets = new EncryptedFileSecretStore(keychain, join(home, 'secrets.json'), 'linux');
    const r = await dispatch(core.handlers, 'app.info', {}, { door, events: core.services.events });
    await core.dispose();
    if (!r.ok) throw new Error(r.error.message);
    return r.value as Res<'app.info'>;
  }

  it('the desktop app on Linux under basic_text: off, with the reason', async () => {
    const info = await appInfo('electron', aesKeychain(true, 'basic_text'));
    expect(info.remember).toMatchObject({ available: false, reason: expect.stringMatching(/no keyring/i) });
    expect(info.features).not.toContain('keychain');
  });

  it('the desktop app with a keyring: on', async () => {
    const info = await appInfo('electron', aesKeychain(true, 'kwallet6'));
    expect(info.remember).toEqual({ available: true });
    expect(info.features).toContain('keychain');
  });

  it('browser mode and the CLI: off, session only', async () => {
    for (const door of ['browser', 'cli'] as const) {
      expect((await appInfo(door)).remember).toMatchObject({ available: false, reason: expect.stringMatching(/Only the desktop app/) });
    }
  });
});
