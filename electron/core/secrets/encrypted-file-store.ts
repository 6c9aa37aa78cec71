import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file';
import { HardenLabError } from '../errors';
import { hardenlabHome } from '../paths';
import { rememberSupport, type RememberSupport } from './remember-policy';
import type { SecretKind, SecretStore, StringEncryption } from './secret-store';

interface FileShape {
  version: 1;
  /** profile -> kind -> base64 of the OS-encrypted bytes */
  secrets: Record<string, Partial<Record<SecretKind, string>>>;
}

export function defaultSecretsPath(home: string = hardenlabHome()): string {
  return join(home, 'secrets.json');
}

/**
 * Secrets kept across restarts, each value encrypted by the OS keychain
 * (Electron safeStorage: DPAPI, Keychain, libsecret/kwallet). The file
 * itself only ever holds ciphertext. When the OS offers no real keychain
 * (see remember-policy.ts: on Linux that includes safeStorage's
 * `basic_text` fallback) the store neither writes nor reads anything rather
 * than fall back to clear text; the app then asks each time
 * (MemorySecretStore).
 */
export class EncryptedFileSecretStore implements SecretStore {
  readonly persistent = true;
  readonly file: string;
  private readonly crypto: StringEncryption;
  private readonly platform: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(crypto: StringEncryption, file: string = defaultSecretsPath(), platform: string = process.platform) {
    this.crypto = crypto;
    this.file = file;
    this.platform = platform;
  }

  /**
   * Asked on every use, not once: the backend is 'unknown' until Electron is
   * ready, and a keyring can be locked or stopped while the app runs.
   * Electron 46: becomes async on isAsyncEncryptionAvailable() (see StringEncryption).
   */
  support(): RememberSupport {
    try {
      const encryptionAvailable = this.crypto.isEncryptionAvailable();
      const linuxBackend = this.platform === 'linux' ? this.crypto.getSelectedStorageBackend?.() : undefined;
      return rememberSupport({ platform: this.platform, encryptionAvailable, linuxBackend });
    } catch {
      // safeStorage throws when asked too early or with a broken keyring: as good as none.
      return rememberSupport({ platform: this.platform, encryptionAvailable: false });
    }
  }

  available(): boolean {
    return this.support().available;
  }

  async get(profile: string, kind: SecretKind): Promise<string | undefined> {
    const b64 = (await this.load()).secrets[profile]?.[kind];
    if (b64 === undefined || !this.available()) return undefined;
    try {
      // Electron 46: decryptStringAsync, re-encrypting when it answers shouldReEncrypt.
      return this.crypto.decryptString(Buffer.from(b64, 'base64'));
    } catch {
      // Encrypted under another OS user or keyring: as good as absent, the app asks again.
      return undefined;
    }
  }

  async set(profile: string, kind: SecretKind, value: string): Promise<void> {
    const support = this.support();
    if (!support.available) {
      throw new HardenLabError('SECRET_STORE_UNAVAILABLE', 'This system offers no encrypted storage for secrets, so Harden Lab will not save it.', {
        hint: support.reason ?? 'The secret is kept for this session only and asked for again after a restart.',
      });
    }
    // Electron 46: encryptStringAsync.
    const encrypted = this.crypto.encryptString(value).toString('base64');
    await this.mutate((data) => {
      data.secrets[profile] = { ...data.secrets[profile], [kind]: encrypted };
    });
  }

  async delete(profile: string, kind?: SecretKind): Promise<void> {
    await this.mutate((data) => {
      const entry = data.secrets[profile];
      if (!entry) return;
      if (kind) delete entry[kind];
      if (!kind || Object.keys(entry).length === 0) delete data.secrets[profile];
    });
  }

  private async load(): Promise<FileShape> {
    let raw: string;
    try {
      raw = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, secrets: {} };
      throw e;
    }
    try {
      const data = JSON.parse(raw) as Partial<FileShape>;
      return { version: 1, secrets: data.secrets && typeof data.secrets === 'object' ? data.secrets : {} };
    } catch (e) {
      throw new HardenLabError('INTERNAL', `The secrets file ${this.file} is not valid JSON.`, { hint: 'Remove it; saved passwords will be asked for again.', cause: e });
    }
  }

  /** Read-modify-write one at a time, and atomically, so concurrent saves never lose each other. */
  private mutate(change: (data: FileShape) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const data = await this.load();
      change(data);
      await writeFileAtomic(this.file, JSON.stringify(data, null, 2) + '\n');
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
