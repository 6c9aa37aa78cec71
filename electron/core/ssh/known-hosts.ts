import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { formatPublicKey, parsePublicKeyText, type PublicKey } from './host-key';

/**
 * known_hosts in OpenSSH's own format, so that `ssh -o UserKnownHostsFile=`
 * and `ssh-keygen -F/-R` work on the app's file too. Parsing keeps every
 * line's original text: serializing an unchanged file gives back the same
 * bytes, and edits touch only the lines they mean to.
 *
 * Line grammar (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
 *   [@revoked|@cert-authority] HOSTS KEYTYPE BASE64 [COMMENT]
 * HOSTS is either one hashed name "|1|base64(salt)|base64(HMAC-SHA1(salt, name))"
 * or comma-separated patterns with * and ? wildcards and ! negation. A name
 * on a port other than 22 is written "[host]:port".
 */
export type KnownHostsMarker = 'revoked' | 'cert-authority';

export interface KnownHostSource {
  file: string;
  /** 1-based line number. */
  line: number;
}

export interface KnownHostEntry {
  kind: 'entry';
  marker: KnownHostsMarker | null;
  /** The host field exactly as written. */
  hosts: string;
  key: PublicKey;
  comment: string;
  raw: string;
  source?: KnownHostSource;
}

export interface KnownHostsOtherLine {
  kind: 'comment' | 'blank' | 'invalid';
  raw: string;
}

export type KnownHostsLine = KnownHostEntry | KnownHostsOtherLine;

export function parseKnownHosts(text: string, file?: string): KnownHostsLine[] {
  const rawLines = text.split('\n');
  // A trailing newline ends the last line; it does not open an empty one.
  if (rawLines.length > 0 && rawLines[rawLines.length - 1] === '') rawLines.pop();
  return rawLines.map((raw, i) => parseKnownHostsLine(raw.replace(/\r$/, ''), file === undefined ? undefined : { file, line: i + 1 }));
}

export function parseKnownHostsLine(raw: string, source?: KnownHostSource): KnownHostsLine {
  const trimmed = raw.trim();
  if (trimmed === '') return { kind: 'blank', raw };
  if (trimmed.startsWith('#')) return { kind: 'comment', raw };
  const fields = trimmed.split(/[ \t]+/);
  let marker: KnownHostsMarker | null = null;
  if (fields[0]?.startsWith('@')) {
    const m = fields.shift();
    if (m === '@revoked') marker = 'revoked';
    else if (m === '@cert-authority') marker = 'cert-authority';
    else return { kind: 'invalid', raw };
  }
  const [hosts, type, b64, ...rest] = fields;
  if (!hosts || !type || !b64) return { kind: 'invalid', raw };
  const key = parsePublicKeyText(`${type} ${b64}`);
  if (!key) return { kind: 'invalid', raw };
  const entry: KnownHostEntry = { kind: 'entry', marker, hosts, key, comment: rest.join(' '), raw };
  if (source) entry.source = source;
  return entry;
}

export function serializeKnownHosts(lines: readonly KnownHostsLine[]): string {
  return lines.length === 0 ? '' : lines.map((l) => l.raw).join('\n') + '\n';
}

/** The name ssh looks up: "host" on port 22, "[host]:port" elsewhere; host names compare lower-case. */
export function hostLookupName(host: string, port: number): string {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return port === 22 ? h : `[${h}]:${port}`;
}

export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

function hashedMatches(field: string, name: string): boolean {
  const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
  if (!m) return false;
  const salt = Buffer.from(m[1]!, 'base64');
  const want = Buffer.from(m[2]!, 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** OpenSSH's match_pattern: * is any run of characters, ? any one character, nothing else is special. */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Whether a host field names this host:port. A negated pattern that matches
 * excludes the host even when another pattern on the line includes it.
 */
export function hostFieldMatches(hosts: string, host: string, port: number): boolean {
  const name = hostLookupName(host, port);
  if (hosts.startsWith('|')) return hashedMatches(hosts, name);
  let positive = false;
  for (const pattern of hosts.split(',')) {
    if (pattern === '') continue;
    const negated = pattern.startsWith('!');
    const p = (negated ? pattern.slice(1) : pattern).toLowerCase();
    if (wildcardMatch(p, name)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

export function entriesForHost(lines: readonly KnownHostsLine[], host: string, port: number): KnownHostEntry[] {
  return lines.filter((l): l is KnownHostEntry => l.kind === 'entry' && hostFieldMatches(l.hosts, host, port));
}

export function formatKnownHostLine(opts: { host: string; port: number; key: PublicKey; hashed?: boolean; comment?: string; marker?: KnownHostsMarker }): string {
  const name = hostLookupName(opts.host, opts.port);
  const hosts = opts.hashed ? hashHostName(name) : name;
  const parts = [hosts, formatPublicKey(opts.key)];
  if (opts.marker) parts.unshift(`@${opts.marker}`);
  if (opts.comment) parts.push(opts.comment.replace(/[\r\n]/g, ' '));
  return parts.join(' ');
}

/**
 * Removes this host:port from plain (unmarked) entries: a literal pattern is
 * cut out of a multi-host line and the other hosts keep their key; a line
 * left with no host, a hashed line or a wildcard line that matches goes
 * entirely. @revoked and @cert-authority lines are deliberate policy and are
 * never removed by "forget this host".
 */
export function removeHostFromKnownHosts(lines: readonly KnownHostsLine[], host: string, port: number): { lines: KnownHostsLine[]; removed: number } {
  const name = hostLookupName(host, port);
  const out: KnownHostsLine[] = [];
  let removed = 0;
  for (const line of lines) {
    if (line.kind !== 'entry' || line.marker !== null || !hostFieldMatches(line.hosts, host, port)) {
      out.push(line);
      continue;
    }
    removed++;
    if (line.hosts.startsWith('|')) continue;
    const patterns = line.hosts.split(',').filter((p) => p !== '');
    const literalHit = patterns.some((p) => p.toLowerCase() === name);
    if (!literalHit) continue; // matched through a wildcard: drop the whole line
    const rest = patterns.filter((p) => p.toLowerCase() !== name);
    if (!rest.some((p) => !p.startsWith('!'))) continue;
    const newHosts = rest.join(',');
    const idx = line.raw.indexOf(line.hosts);
    const raw = line.raw.slice(0, idx) + newHosts + line.raw.slice(idx + line.hosts.length);
    out.push({ ...line, hosts: newHosts, raw });
  }
  return { lines: out, removed };
}
