import { describe, expect, it } from 'vitest';
import { parsePublicKeyText, type PublicKey } from './host-key';
import { decideHostKey, describeRefusal, knownKeyTypes } from './host-key-decision';
import { formatKnownHostLine, parseKnownHosts, type KnownHostEntry } from './known-hosts';
import { preferredHostKeyAlgorithms } from './host-key-algorithms';
import { generateKeyPairSync } from 'node:crypto';

/** A real ed25519 public key blob in SSH wire format. */
function ed25519(): PublicKey {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([u32(type.length), type, u32(raw.length), raw]);
  return parsePublicKeyText(`ssh-ed25519 ${blob.toString('base64')}`)!;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
const ECDSA = parsePublicKeyText(
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YLrYMjNfqKGzsh3HR8/6SiV0v0xk3k0r7VAn2UFfJq2XT8v8nT7yTIU=',
)!;

function file(lines: string[]): KnownHostEntry[] {
  return parseKnownHosts(lines.join('\n') + '\n', '/home/u/.local/share/hardenlab/known_hosts').filter((l): l is KnownHostEntry => l.kind === 'entry');
}
const line = (host: string, port: number, key: PublicKey, marker?: 'revoked' | 'cert-authority') => formatKnownHostLine({ host, port, key, ...(marker ? { marker } : {}) });

describe('decideHostKey', () => {
  const a = ed25519();
  const b = ed25519();
  const host = '127.0.0.1';
  const port = 2222;

  it('unknown when nothing is recorded for this host:port (other ports do not count)', () => {
    const d = decideHostKey({ host, port, presentedKey: a, entries: file([line(host, 22, b), line('other', port, b)]) });
    expect(d.status).toBe('unknown');
    expect(d.basis).toBe('none');
  });

  it('trusted when an entry has the same key', () => {
    const d = decideHostKey({ host, port, presentedKey: a, entries: file([line(host, port, a)]) });
    expect(d).toMatchObject({ status: 'trusted', basis: 'known-hosts' });
    expect(d.entry?.source?.line).toBe(1);
  });

  it('mismatch when the host has another key of the same type, listing the old ones', () => {
    const d = decideHostKey({ host, port, presentedKey: a, entries: file([line(host, port, b)]) });
    expect(d.status).toBe('mismatch');
    expect(d.conflicting).toHaveLength(1);
  });

  it('mismatch when only another key TYPE is known (the server no longer offers it)', () => {
    const d = decideHostKey({ host, port, presentedKey: a, entries: file([line(host, port, ECDSA)]) });
    expect(d.status).toBe('mismatch');
  });

  it('trusted when one of several keys for the host matches', () => {
    const d = decideHostKey({ host, port, presentedKey: a, entries: file([line(host, port, ECDSA), line(host, port, a)]) });
    expect(d.status).toBe('trusted');
  });

  it('revoked wins over everything, even a pin and a trusted entry', () => {
    const entries = file([line(host, port, a), `@revoked * ${a.type} ${a.blob.toString('base64')}`]);
    expect(decideHostKey({ host, port, presentedKey: a, pinnedKey: a, entries }).status).toBe('revoked');
  });

  it('a @revoked line for another key does not affect this one', () => {
    const entries = file([line(host, port, a), line(host, port, b, 'revoked')]);
    expect(decideHostKey({ host, port, presentedKey: a, entries }).status).toBe('trusted');
  });

  it('pinned key: same = trusted without any entry; different = mismatch even if known_hosts trusts it', () => {
    expect(decideHostKey({ host, port, presentedKey: a, pinnedKey: a, entries: [] })).toMatchObject({ status: 'trusted', basis: 'pinned' });
    expect(decideHostKey({ host, port, presentedKey: a, pinnedKey: a, entries: file([line(host, port, b)]) })).toMatchObject({ status: 'trusted', basis: 'pinned' });
    expect(decideHostKey({ host, port, presentedKey: a, pinnedKey: b, entries: file([line(host, port, a)]) })).toMatchObject({ status: 'mismatch', basis: 'pinned' });
  });

  it('ignores @cert-authority lines completely', () => {
    const d = decideHostKey({ host, port, presentedKey: a, entries: file([line(host, port, b, 'cert-authority')]) });
    expect(d.status).toBe('unknown');
  });

  it('the refusal message names old and new fingerprints and the exact removal command', () => {
    const input = { host, port, presentedKey: a, entries: file([line(host, port, b)]) };
    const d = decideHostKey(input);
    const { message, hint } = describeRefusal(input, d, '/home/u/.local/share/hardenlab/known_hosts');
    expect(message).toContain('CHANGED');
    expect(message).toContain('[127.0.0.1]:2222');
    expect(message).toMatch(/Known: ssh-ed25519 SHA256:\S+ \(\/home\/u\/\.local\/share\/hardenlab\/known_hosts line 1\)/);
    expect(message).toMatch(/Offered now: ssh-ed25519 SHA256:/);
    expect(hint).toContain("ssh-keygen -f /home/u/.local/share/hardenlab/known_hosts -R '[127.0.0.1]:2222'");
  });
});

describe('host key algorithm preference', () => {
  const defaults = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  it('keeps the defaults untouched when nothing is known', () => {
    expect(preferredHostKeyAlgorithms([], defaults)).toBeNull();
  });
  it('moves known types to the front without adding or dropping any', () => {
    const got = preferredHostKeyAlgorithms(['ssh-rsa'], defaults)!;
    expect(got.slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect([...got].sort()).toEqual([...defaults].sort());
    expect(preferredHostKeyAlgorithms(['ecdsa-sha2-nistp256', 'ssh-ed25519'], defaults)!.slice(0, 2)).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
  });
  it('lists known types for a host: pin first, then entries', () => {
    const entries = file([line('h', 22, ECDSA)]);
    expect(knownKeyTypes({ host: 'h', port: 22, pinnedKey: ed25519(), entries })).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
  });
});
