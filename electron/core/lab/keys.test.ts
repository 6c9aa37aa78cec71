import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureOperatorKey, generateHostKeys, parseKeygenFingerprint, publicKeyLine } from './keys';

describe('key text', () => {
  it('reads ssh-keygen -l output', () => {
    expect(parseKeygenFingerprint('256 SHA256:Vvy17WNcn2LOnPqFHLAhem6wShvS4uuhhP4bBn7FGdA root@hardenlab (ED25519)\n')).toEqual({
      bits: 256,
      fingerprint: 'SHA256:Vvy17WNcn2LOnPqFHLAhem6wShvS4uuhhP4bBn7FGdA',
      keyType: 'ED25519',
    });
    expect(parseKeygenFingerprint('3072 SHA256:abc+/def no comment (RSA)').fingerprint).toBe('SHA256:abc+/def');
    expect(() => parseKeygenFingerprint('ssh-keygen: x is not a key file.')).toThrow();
  });

  it('drops the comment from a public key line and refuses anything else', () => {
    expect(publicKeyLine('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB31 root@hardenlab\n')).toBe('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB31');
    expect(publicKeyLine('ecdsa-sha2-nistp256 AAAAE2VjZHNh=')).toBe('ecdsa-sha2-nistp256 AAAAE2VjZHNh=');
    expect(() => publicKeyLine('-----BEGIN OPENSSH PRIVATE KEY-----')).toThrow();
    expect(() => publicKeyLine('ssh-ed25519 $(reboot)')).toThrow();
  });
});

describe('keys made with the real ssh-keygen', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hl-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the operator key once, private to the user, and reuses it', async () => {
    const first = await ensureOperatorKey(dir);
    expect(first.created).toBe(true);
    expect(first.privatePath).toBe(join(dir, 'keys', 'id_ed25519'));
    expect(statSync(first.privatePath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(first.line).toMatch(/^ssh-ed25519 AAAA\S+$/);
    const again = await ensureOperatorKey(dir);
    expect(again.created).toBe(false);
    expect(again.line).toBe(first.line);
  });

  it('makes ed25519, ecdsa and rsa host keys whose fingerprints are exactly what ssh-keygen -lf prints', async () => {
    const keys = await generateHostKeys(join(dir, 'secrets'));
    expect(keys.map((k) => k.algorithm)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']);
    for (const k of keys) {
      const printed = execFileSync('ssh-keygen', ['-lf', k.publicPath], { encoding: 'utf8' });
      expect(printed.split(' ')[1]).toBe(k.fingerprint);
      expect(readFileSync(k.publicPath, 'utf8')).toBe(`${k.line} root@hardenlab\n`);
      expect(statSync(k.privatePath).mode & 0o777).toBe(0o600);
    }
    // Each instance gets new keys.
    const other = await generateHostKeys(join(dir, 'secrets2'));
    expect(other[0]!.fingerprint).not.toBe(keys[0]!.fingerprint);
  });
});
