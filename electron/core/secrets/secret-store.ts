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

/** What Electron's safeStorage offers; the main process passes it in, core never imports electron. */
export interface StringEncryption {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}
