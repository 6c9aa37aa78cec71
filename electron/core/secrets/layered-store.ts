import type { SecretKind, SecretStore } from './secret-store';

/**
 * Reads from the first store that has the secret (typically this session's
 * memory, then the encrypted file); writes go to the first store only, so a
 * caller that wants a secret remembered writes to the persistent store
 * itself, on purpose.
 */
export function layeredSecretStore(stores: readonly SecretStore[]): SecretStore {
  const first = stores[0];
  if (!first) throw new Error('layeredSecretStore needs at least one store.');
  return {
    persistent: first.persistent,
    async get(profile, kind) {
      for (const s of stores) {
        const v = await s.get(profile, kind);
        if (v !== undefined) return v;
      }
      return undefined;
    },
    set: (profile, kind, value) => first.set(profile, kind, value),
    async delete(profile, kind) {
      for (const s of stores) await s.delete(profile, kind);
    },
  };
}

/** Secrets typed for one connect attempt take precedence over stored ones, without being stored anywhere. */
export function overlaySecrets(base: SecretStore, profile: string, given: Partial<Record<SecretKind, string>>): SecretStore {
  return {
    persistent: base.persistent,
    async get(p, kind) {
      const v = p === profile ? given[kind] : undefined;
      return v !== undefined ? v : base.get(p, kind);
    },
    set: (p, kind, value) => base.set(p, kind, value),
    delete: (p, kind) => base.delete(p, kind),
  };
}
