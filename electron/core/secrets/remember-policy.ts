/**
 * Whether "remember" may be offered, decided from what Electron's safeStorage
 * reports, with no I/O, so that every platform and backend has a test.
 *
 *   no safeStorage at all (browser mode, CLI)          -> off: session only
 *   linux   backend is a real keyring                  -> on if isEncryptionAvailable()
 *           backend 'basic_text'                       -> off: the key is a fixed password
 *           backend 'unknown' / missing / anything else -> off
 *   darwin  (Keychain), win32 (DPAPI)                  -> on if isEncryptionAvailable()
 *   any other platform                                 -> off
 *
 * On Linux isEncryptionAvailable() alone is not enough: without a keyring
 * Chromium falls back to `basic_text`, whose key is a constant compiled into
 * every build, so the "encrypted" file would be readable by anyone who can
 * read it. Saving would then be clear text in all but name.
 */

/** safeStorage.getSelectedStorageBackend() values that keep the key in a real keyring. */
export const LINUX_KEYRING_BACKENDS: readonly string[] = ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'];

export interface SafeStorageFacts {
  platform: string;
  /** safeStorage.isEncryptionAvailable(). */
  encryptionAvailable: boolean;
  /** safeStorage.getSelectedStorageBackend(): Linux only (Electron defines it nowhere else). */
  linuxBackend?: string | undefined;
}

export interface RememberSupport {
  available: boolean;
  /** Why secrets are not remembered, in words for the user; absent when they are. */
  reason?: string;
}

const ON: RememberSupport = { available: true };
const off = (reason: string): RememberSupport => ({ available: false, reason });

export function rememberSupport(facts: SafeStorageFacts | null): RememberSupport {
  if (!facts) {
    return off('Only the desktop app can remember secrets, encrypted by the OS keychain. Here they are kept in memory until Harden Lab exits and asked for again after that.');
  }
  switch (facts.platform) {
    case 'linux':
      return linux(facts);
    case 'darwin':
      return facts.encryptionAvailable ? ON : off('The macOS Keychain is not available to Harden Lab, so secrets are kept for this session only.');
    case 'win32':
      return facts.encryptionAvailable ? ON : off('Windows data protection (DPAPI) is not available, so secrets are kept for this session only.');
    default:
      return off(`Harden Lab knows no OS keychain on ${facts.platform}, so secrets are kept for this session only.`);
  }
}

function linux(facts: SafeStorageFacts): RememberSupport {
  const backend = facts.linuxBackend;
  if (backend === 'basic_text') {
    return off(
      'No keyring (GNOME Keyring or KWallet) is running in this desktop session. Without one, Electron would encrypt secrets with a fixed, publicly known password, so a saved secret would be readable by anyone who can read the file. Start a keyring (or run Harden Lab with --password-store=gnome-libsecret) to enable remembering; until then secrets are kept for this session only.',
    );
  }
  if (backend === undefined || !LINUX_KEYRING_BACKENDS.includes(backend)) {
    return off(`The keyring in use could not be determined (${backend ?? 'not reported'}), so secrets are kept for this session only.`);
  }
  if (!facts.encryptionAvailable) {
    return off(`The keyring (${backend}) is not answering or is locked, so secrets are kept for this session only. Unlock it and restart Harden Lab to enable remembering.`);
  }
  return ON;
}
