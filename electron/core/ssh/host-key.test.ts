import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPublicKey, keyTypeOfBlob, parsePublicKeyText, sameKey, sha256Fingerprint } from './host-key';
import { generateKey, keygenFingerprint, sshKeygen, tempDir } from './testing/local-tools';

// A fixed ed25519 key and the fingerprint `ssh-keygen -lf` printed for it, so the check also runs without ssh-keygen.
const FIXED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test';
const FIXED_FP = 'SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU';

describe('public keys and fingerprints', () => {
  it('parses a public key line and reads the type from the blob', () => {
    const k = parsePublicKeyText(FIXED)!;
    expect(k.type).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(k.blob)).toBe('ssh-ed25519');
    expect(formatPublicKey(k)).toBe(FIXED.replace(/ test$/, ''));
  });

  it('refuses a line whose written type disagrees with the blob, and garbage', () => {
    const b64 = FIXED.split(' ')[1];
    expect(parsePublicKeyText(`ssh-rsa ${b64}`)).toBeNull();
    expect(parsePublicKeyText('ssh-ed25519 !!!')).toBeNull();
    expect(parsePublicKeyText('ssh-ed25519')).toBeNull();
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0, 200, 1]))).toBeNull();
  });

  it('compares keys by blob', () => {
    const a = parsePublicKeyText(FIXED)!;
    const b = parsePublicKeyText(FIXED.replace(' test', ' other comment'))!;
    expect(sameKey(a, b)).toBe(true);
    const c = { ...a, blob: Buffer.from(a.blob) };
    c.blob.writeUInt8(c.blob.readUInt8(c.blob.length - 1) ^ 1, c.blob.length - 1);
    expect(sameKey(a, c)).toBe(false);
  });

  it('matches the recorded ssh-keygen fingerprint', () => {
    expect(sha256Fingerprint(parsePublicKeyText(FIXED)!.blob)).toBe(FIXED_FP);
  });

  describe.skipIf(!sshKeygen)('against ssh-keygen -lf on fresh keys', () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    beforeAll(async () => {
      dir = await tempDir();
    });
    afterAll(async () => dir.cleanup());
    for (const type of ['ed25519', 'ecdsa', 'rsa'] as const) {
      it(`prints the same SHA256 string for ${type}`, async () => {
        const k = await generateKey(dir.path, `k-${type}`, type);
        expect(sha256Fingerprint(k.publicKey.blob)).toBe(await keygenFingerprint(k.publicPath));
      });
    }
  });
});
