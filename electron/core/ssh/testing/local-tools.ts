import { mkdtemp, readFile, rm, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, which } from '../../proc';
import { parsePublicKeyText, type PublicKey } from '../host-key';

/** Test helpers that use the real OpenSSH and busybox tools of this machine (no network). */
export const sshKeygen = which('ssh-keygen');
export const busybox = which('busybox');

export async function tempDir(prefix = 'hl-ssh-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export interface GeneratedKey {
  privatePath: string;
  publicPath: string;
  publicKey: PublicKey;
  publicText: string;
}

export async function generateKey(dir: string, name: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519', passphrase = ''): Promise<GeneratedKey> {
  const privatePath = join(dir, name);
  const args = ['-q', '-t', type, '-N', passphrase, '-C', `${name}@hardenlab-test`, '-f', privatePath];
  if (type === 'rsa') args.push('-b', '2048');
  const r = await run('ssh-keygen', args);
  if (r.code !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  const publicText = (await readFile(privatePath + '.pub', 'utf8')).trim();
  const publicKey = parsePublicKeyText(publicText);
  if (!publicKey) throw new Error('ssh-keygen wrote a public key we cannot parse: ' + publicText);
  return { privatePath, publicPath: privatePath + '.pub', publicKey, publicText };
}

/** "SHA256:..." as `ssh-keygen -lf FILE` prints it. */
export async function keygenFingerprint(pubPath: string): Promise<string> {
  const r = await run('ssh-keygen', ['-E', 'sha256', '-lf', pubPath]);
  if (r.code !== 0) throw new Error(`ssh-keygen -lf failed: ${r.stderr}`);
  const m = /(SHA256:[A-Za-z0-9+/]+)/.exec(r.stdout);
  if (!m) throw new Error('no fingerprint in: ' + r.stdout);
  return m[1]!;
}

/** A directory of busybox applet links: put first on PATH to run a script the way Alpine would. */
export async function busyboxPath(dir: string): Promise<string> {
  if (!busybox) throw new Error('busybox is not installed');
  const bin = join(dir, 'bb-bin');
  await mkdir(bin, { recursive: true });
  const list = await run(busybox, ['--list']);
  for (const applet of list.stdout.split('\n').filter(Boolean)) await symlink(busybox, join(bin, applet));
  return bin;
}
