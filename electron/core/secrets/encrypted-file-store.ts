import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file';
import { HardenLabError } from '../errors';
import { hardenlabHome } from '../paths';
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
 * itself only ever holds ciphertext. When the OS offers no encryption the
 * store refuses to keep anything rather than fall back to clear text; the
 * app then asks each time (MemorySecretStore).
 */
export class EncryptedFileSecretStore implements SecretStore {
  readonly persistent = true;
  readonly file: string;
  private readonly crypto: StringEncryption;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(crypto: StringEncryption, file: string = defaultSecretsPath()) {
    this.crypto = crypto;
    this.file = file;
  }

  available(): boolean {
    try {
      return this.crypto.isEncryptionAvailable();
    } catch {
      return false;
    }
  }

  async get(profile: string, kind: SecretKind): Promise<string | undefined> {
    const b64 = (await this.load()).secrets[profile]?.[kind];
    if (b64 === undefined || !this.available()) return undefined;
    try {
      return this.crypto.decryptString(Buffer.from(b64, 'base64'));
    } catch {
      // Encrypted under another OS user or keyring: as good as absent, the app asks again.
      return undefined;
    }
  }

  async set(profile: string, kind: SecretKind, value: string): Promise<void> {
    if (!this.available()) {
      throw new HardenLabError('SECRET_STORE_UNAVAILABLE', 'This system offers no encrypted storage for secrets, so Harden Lab will not save it.', {
        hint: 'The secret is kept for this session only and asked for again after a restart. On Linux, a running keyring (gnome-keyring or kwallet) enables saving.',
      });
    }
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
