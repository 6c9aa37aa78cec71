/**
 * Where passwords and key passphrases live. No secret is ever part of a
 * profile, a log line or a reply to the renderer: core code asks a
 * SecretStore right before it needs one.
 *
 *   'password'    the login password of the profile's user (also what sudo asks for)
 *   'passphrase'  the passphrase of the profile's private key file
 */
export type SecretKind = 'password' | 'passphrase';

export interface SecretStore {
  /** True when values survive a restart (kept encrypted on disk). */
  readonly persistent: boolean;
  get(profile: string, kind: SecretKind): Promise<string | undefined>;
  set(profile: string, kind: SecretKind, value: string): Promise<void>;
  /** Without a kind, forgets every secret of the profile. */
  delete(profile: string, kind?: SecretKind): Promise<void>;
}

/**
 * What Electron's safeStorage offers; the main process passes it in, core never imports electron.
 *
 * These are safeStorage's synchronous calls, deprecated since Electron 45 and
 * removed in Electron 46. Before that upgrade this interface must become
 * isAsyncEncryptionAvailable / encryptStringAsync / decryptStringAsync (and
 * re-encrypt a value when decryptStringAsync says shouldReEncrypt); the
 * store's methods are already async, only available()/support() turn async.
 */
export interface StringEncryption {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which password store holds the key ('basic_text' means none does). */
  getSelectedStorageBackend?(): string;
}
