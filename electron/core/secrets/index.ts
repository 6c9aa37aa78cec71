export type { SecretKind, SecretStore, StringEncryption } from './secret-store';
export { MemorySecretStore } from './memory-store';
export { EncryptedFileSecretStore, defaultSecretsPath } from './encrypted-file-store';
export { layeredSecretStore, overlaySecrets } from './layered-store';
export { rememberSupport, LINUX_KEYRING_BACKENDS, type RememberSupport, type SafeStorageFacts } from './remember-policy';
