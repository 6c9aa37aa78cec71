import { access, mkdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { HardenLabError } from '../errors';
import { run, which } from '../proc';

/**
 * Keys made on the host with OpenSSH's ssh-keygen: the operator's key (one
 * per Harden Lab home, used for every lab) and each instance's SSH host keys,
 * generated before the instance first boots so that the very first
 * connection can be checked against a key we already know.
 */
export const HOST_KEY_TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;
export type HostKeyType = (typeof HOST_KEY_TYPES)[number];

export interface PublicKeyInfo {
  /** "ssh-ed25519 AAAA..." without the comment. */
  line: string;
  /** "SHA256:..." exactly as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  algorithm: string;
}

export interface HostKeyFile extends PublicKeyInfo {
  type: HostKeyType;
  privatePath: string;
  publicPath: string;
}

function keygen(): string {
  const p = which('ssh-keygen', ['/usr/bin', '/usr/local/bin', '/opt/homebrew/bin']);
  if (!p) throw new HardenLabError('DRIVER_MISSING', 'ssh-keygen (OpenSSH) is not installed.', { hint: 'On Debian or Ubuntu: apt-get install openssh-client' });
  return p;
}

/** "ssh-ed25519 AAAA... comment" -> "ssh-ed25519 AAAA..." */
export function publicKeyLine(text: string): string {
  const fields = text.trim().split(/\s+/);
  if (fields.length < 2 || !/^(?:ssh|ecdsa|sk)-[A-Za-z0-9@._+-]+$/.test(fields[0]!) || !/^AAAA[A-Za-z0-9+/]+={0,3}$/.test(fields[1]!)) {
    throw new HardenLabError('INTERNAL', `Not an OpenSSH public key: "${text.slice(0, 60)}"`);
  }
  return `${fields[0]} ${fields[1]}`;
}

/** Parses `ssh-keygen -lf` output: "256 SHA256:abc... comment (ED25519)". */
export function parseKeygenFingerprint(out: string): { bits: number; fingerprint: string; keyType: string } {
  const m = /^(\d+)\s+(SHA256:[A-Za-z0-9+/]+)\s.*\(([A-Z0-9-]+)\)\s*$/m.exec(out.trim()) ?? /^(\d+)\s+(SHA256:[A-Za-z0-9+/]+)\s*()$/m.exec(out.trim());
  if (!m) throw new HardenLabError('INTERNAL', `Unexpected ssh-keygen -l output: "${out.trim().slice(0, 120)}"`);
  return { bits: Number.parseInt(m[1]!, 10), fingerprint: m[2]!, keyType: m[3] ?? '' };
}

export async function fingerprintOf(publicPath: string): Promise<string> {
  const r = await run(keygen(), ['-l', '-E', 'sha256', '-f', publicPath], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new HardenLabError('INTERNAL', `ssh-keygen could not read ${publicPath}.`, { detail: r.stderr.trim() });
  return parseKeygenFingerprint(r.stdout).fingerprint;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

async function generate(type: HostKeyType | 'ed25519', path: string, comment: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  const bits = type === 'rsa' ? ['-b', '3072'] : [];
  const r = await run(keygen(), ['-q', '-t', type, ...bits, '-N', '', '-C', comment, '-f', path], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new HardenLabError('INTERNAL', `ssh-keygen could not create a ${type} key at ${path}.`, { detail: r.stderr.trim() });
}

async function describe(publicPath: string): Promise<PublicKeyInfo> {
  const line = publicKeyLine(await readFile(publicPath, 'utf8'));
  return { line, fingerprint: await fingerprintOf(publicPath), algorithm: line.split(' ')[0]! };
}

export interface OperatorKey extends PublicKeyInfo {
  privatePath: string;
  publicPath: string;
  created: boolean;
}

export function operatorKeyPath(home: string): string {
  return join(home, 'keys', 'id_ed25519');
}

/** The operator's key pair, created (without a passphrase: it only opens lab VMs) when absent. */
export async function ensureOperatorKey(home: string): Promise<OperatorKey> {
  const privatePath = operatorKeyPath(home);
  const publicPath = `${privatePath}.pub`;
  await mkdir(join(home, 'keys'), { recursive: true, mode: 0o700 });
  let created = false;
  if (!(await exists(privatePath)) || !(await exists(publicPath))) {
    await generate('ed25519', privatePath, `hardenlab-operator@${hostname()}`);
    created = true;
  }
  return { ...(await describe(publicPath)), privatePath, publicPath, created };
}

/** Fresh host keys of every usual type, as Debian's openssh-server would make them. */
export async function generateHostKeys(dir: string): Promise<HostKeyFile[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const out: HostKeyFile[] = [];
  for (const type of HOST_KEY_TYPES) {
    const privatePath = join(dir, `ssh_host_${type}_key`);
    await generate(type, privatePath, 'root@hardenlab');
    out.push({ type, privatePath, publicPath: `${privatePath}.pub`, ...(await describe(`${privatePath}.pub`)) });
  }
  return out;
}
