import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { NAME_PATTERNS } from '../../../shared/names';
import type { ProfileInput } from '../../../shared/profile';
import { HardenLabError } from '../errors';
import { wildcardMatch } from './known-hosts';
import { concreteHostAliases, expandTokens, parseSshConfig, resolveHost, type IncludeLoader, type ResolvedHost } from './ssh-config';

export interface SshConfigCandidate {
  alias: string;
  profile: ProfileInput;
  /** What could not be carried over (ProxyCommand, a missing key file, ...). */
  warnings: string[];
}

export interface ImportSshConfigOptions {
  /** One alias to import; all concrete Host entries when absent. */
  host?: string;
  /** Default ~/.ssh/config. */
  configPath?: string;
  home?: string;
  localUser?: string;
  env?: NodeJS.ProcessEnv;
  fileExists?: (path: string) => boolean;
}

/** Include patterns are relative to ~/.ssh; a * or ? in the last part is a glob over that directory. */
function includeLoader(home: string): IncludeLoader {
  return (pattern) => {
    let p = pattern.startsWith('~/') ? join(home, pattern.slice(2)) : pattern;
    if (!isAbsolute(p)) p = join(home, '.ssh', p);
    const dir = dirname(p);
    const name = basename(p);
    let files: string[];
    if (/[*?]/.test(name)) {
      try {
        files = readdirSync(dir)
          .filter((f) => wildcardMatch(name, f))
          .sort()
          .map((f) => join(dir, f));
      } catch {
        files = [];
      }
    } else files = [p];
    const out: Array<{ path: string; text: string }> = [];
    for (const f of files) {
      try {
        out.push({ path: f, text: readFileSync(f, 'utf8') });
      } catch {
        /* a missing include is ignored, as ssh does */
      }
    }
    return out;
  };
}

function profileNameFor(alias: string): string {
  let n = alias.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  if (n === '') n = 'host';
  return n.slice(0, 40);
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * Builds a candidate profile from what ssh would use for this alias. The
 * login method follows ssh's own preference: the first IdentityFile that
 * exists, else ssh-agent when one is running, else a default key file,
 * else a password (asked for at connect time).
 */
export function candidateFromResolved(r: ResolvedHost, ctx: { home: string; localUser: string; env: NodeJS.ProcessEnv; fileExists: (p: string) => boolean }): SshConfigCandidate | null {
  const warnings: string[] = [];
  const hostName = r.hostName ? expandTokens(r.hostName, { alias: r.alias, host: r.alias, port: r.port ?? 22, remoteUser: r.user ?? ctx.localUser, localUser: ctx.localUser, home: ctx.home }) : r.alias;
  const host = hostName.replace(/^\[(.*)\]$/, '$1');
  if (!NAME_PATTERNS.host.test(host)) return null;
  const port = r.port ?? 22;
  const user = r.user ?? ctx.localUser;
  if (!NAME_PATTERNS.unixUser.test(user)) return null;
  const tokenCtx = { alias: r.alias, host, port, remoteUser: user, localUser: ctx.localUser, home: ctx.home };
  const keys = r.identityFiles.map((f) => expandTokens(f, tokenCtx));
  let auth: ProfileInput['auth'];
  const existing = keys.find((k) => ctx.fileExists(k));
  if (existing) auth = { kind: 'key', keyPath: existing };
  else {
    if (keys.length > 0) warnings.push(`IdentityFile ${keys.join(', ')} does not exist here.`);
    const fallback = DEFAULT_KEYS.map((k) => join(ctx.home, '.ssh', k)).find((k) => ctx.fileExists(k));
    if (ctx.env.SSH_AUTH_SOCK && !r.identitiesOnly) auth = { kind: 'agent' };
    else if (fallback) auth = { kind: 'key', keyPath: fallback };
    else auth = { kind: 'password' };
  }
  if (r.proxyCommand) warnings.push('ProxyCommand is not supported; the profile connects directly.');
  const profile: ProfileInput = { name: profileNameFor(r.alias), host, port, user, auth, origin: 'ssh-config', elevation: 'auto' };
  if (r.proxyJump) {
    if (r.proxyJump.includes(',')) warnings.push(`ProxyJump ${r.proxyJump} has several hops; only one jump host is supported, so it was left out.`);
    else profile.proxyJump = r.proxyJump;
  }
  return { alias: r.alias, profile, warnings };
}

/** Reads ~/.ssh/config and returns candidate profiles (nothing is saved). */
export function importSshConfig(opts: ImportSshConfigOptions = {}): SshConfigCandidate[] {
  const home = opts.home ?? homedir();
  const configPath = opts.configPath ?? join(home, '.ssh', 'config');
  const localUser = opts.localUser ?? userInfo().username;
  const env = opts.env ?? process.env;
  const fileExists = opts.fileExists ?? existsSync;
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      if (opts.host) throw new HardenLabError('NOT_FOUND', `There is no SSH config at ${configPath}.`);
      return [];
    }
    throw e;
  }
  const blocks = parseSshConfig(text, includeLoader(home));
  const aliases = opts.host ? [opts.host] : concreteHostAliases(blocks);
  const out: SshConfigCandidate[] = [];
  for (const alias of aliases) {
    const c = candidateFromResolved(resolveHost(blocks, alias), { home, localUser, env, fileExists });
    if (c) out.push(c);
    else if (opts.host) throw new HardenLabError('BAD_INPUT', `The SSH config entry "${alias}" names a host or user Harden Lab cannot use.`);
  }
  return out;
}
