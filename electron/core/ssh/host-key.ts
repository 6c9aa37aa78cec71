import { createHash } from 'node:crypto';

/**
 * A public host key as the SSH wire format carries it: the key blob, whose
 * first field names its type. known_hosts, pinned profile keys and the key a
 * server presents are all compared as blobs, never as text, so spacing and
 * comments cannot make two equal keys look different.
 */
export interface PublicKey {
  /** "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ... (read from the blob itself). */
  type: string;
  blob: Buffer;
}

/** Reads the type string that opens every SSH public key blob; null when the blob is malformed. */
export function keyTypeOfBlob(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return null;
  const type = blob.subarray(4, 4 + len).toString('latin1');
  return /^[A-Za-z0-9@._+-]+$/.test(type) ? type : null;
}

export function publicKeyFromBlob(blob: Buffer): PublicKey | null {
  const type = keyTypeOfBlob(blob);
  return type ? { type, blob } : null;
}

/**
 * Parses "TYPE BASE64 [comment]" (an authorized_keys / .pub / pinned-key
 * line). The type written in the text must agree with the blob's own type.
 */
export function parsePublicKeyText(text: string): PublicKey | null {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 2) return null;
  const [type, b64] = parts as [string, string];
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const blob = Buffer.from(b64, 'base64');
  const inner = keyTypeOfBlob(blob);
  if (inner === null || inner !== type) return null;
  return { type, blob };
}

export function formatPublicKey(key: PublicKey): string {
  return `${key.type} ${key.blob.toString('base64')}`;
}

export function sameKey(a: PublicKey, b: PublicKey): boolean {
  return a.type === b.type && a.blob.equals(b.blob);
}

/** The exact string `ssh-keygen -lf` prints: "SHA256:" + unpadded base64 of the blob's SHA-256. */
export function sha256Fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}
