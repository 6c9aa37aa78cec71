import { generateKeyPairSync, sign } from 'node:crypto';

/**
 * ssh2's default server host key algorithms, in its own order. We never add
 * or drop an algorithm (Electron's BoringSSL has gaps, facts.md); we only
 * move the types already known for a host to the front, as OpenSSH does, so
 * that a server holding several host keys shows us the one we can check.
 */
const RSA_ALGOS = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

let ed25519: boolean | undefined;
function ed25519Supported(): boolean {
  if (ed25519 === undefined) {
    try {
      const { privateKey } = generateKeyPairSync('ed25519');
      sign(null, Buffer.from('x'), privateKey);
      ed25519 = true;
    } catch {
      ed25519 = false;
    }
  }
  return ed25519;
}

export function defaultHostKeyAlgorithms(withEd25519: boolean = ed25519Supported()): string[] {
  return [...(withEd25519 ? ['ssh-ed25519'] : []), 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', ...RSA_ALGOS];
}

function algorithmsForKeyType(type: string): string[] {
  return type === 'ssh-rsa' ? RSA_ALGOS : [type];
}

/** null means "keep ssh2's defaults untouched" (nothing known about this host). */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[], defaults: readonly string[] = defaultHostKeyAlgorithms()): string[] | null {
  const front: string[] = [];
  for (const t of knownTypes) for (const a of algorithmsForKeyType(t)) if (defaults.includes(a) && !front.includes(a)) front.push(a);
  if (front.length === 0) return null;
  return [...front, ...defaults.filter((a) => !front.includes(a))];
}
