import type { SecretKind, SecretStore } from './secret-store';

/**
 * "Ask each time": secrets typed during this session stay in memory until
 * the app quits or the profile is deleted. Nothing touches the disk.
 */
export class MemorySecretStore implements SecretStore {
  readonly persistent = false;
  private readonly values = new Map<string, string>();

  async get(profile: string, kind: SecretKind): Promise<string | undefined> {
    return this.values.get(`${profile}\0${kind}`);
  }

  async set(profile: string, kind: SecretKind, value: string): Promise<void> {
    this.values.set(`${profile}\0${kind}`, value);
  }

  async delete(profile: string, kind?: SecretKind): Promise<void> {
    for (const k of kind ? [kind] : (['password', 'passphrase'] as const)) this.values.delete(`${profile}\0${k}`);
  }
}
