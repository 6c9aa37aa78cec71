/*
 * Why this reader and not the `ssh-config` package (5.3, declared in
 * package.json): measured on this file's test config, SSHConfig.parse +
 * compute() (1) does not follow Include: it returns `Include` as one more
 * value, while importSshConfig's test needs conf.d/*.conf read; (2) applies
 * Match blocks it can judge (`Match host bar` set Port 3 for `bar`), and runs
 * `Match exec` commands when asked, while ours skips every Match block, as the
 * test pins, so an import never runs anything and never depends on conditions
 * ssh judges at connect time. Host patterns, negation and first-value-wins
 * agreed. Revisit if the package gains Include and a "skip Match" mode.
 */
import { wildcardMatch } from './known-hosts';

/**
 * A reader for the parts of ssh_config(5) that describe where a host is:
 * Host blocks with patterns (wildcards, negation), keyword=value or
 * keyword value, double-quoted arguments, comments, Include (resolved by the
 * caller-supplied loader) and first-value-wins resolution, as ssh does.
 * Match blocks are skipped: their conditions (exec, canonical, ...) cannot
 * be judged without running ssh, so nothing inside them is applied.
 */
export interface SshConfigOption {
  key: string;
  args: string[];
}

export interface SshConfigBlock {
  kind: 'global' | 'host' | 'match';
  patterns: string[];
  options: SshConfigOption[];
}

/** Loads the files an Include names (already glob-expanded, in order). */
export type IncludeLoader = (pattern: string) => Array<{ path: string; text: string }>;

/** Splits a config line into words; double quotes group, as in ssh's argv_split. */
export function tokenizeConfigLine(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"') quoted = false;
      else cur += c;
      continue;
    }
    if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

function splitKeyword(line: string): { key: string; args: string[] } | null {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return null;
  // "Keyword=value", "Keyword = value" and "Keyword value" are all valid.
  const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+|$)(.*)$/.exec(trimmed);
  if (!m) return null;
  return { key: m[1]!.toLowerCase(), args: tokenizeConfigLine(m[2]!) };
}

export function parseSshConfig(text: string, loadInclude?: IncludeLoader, depth = 0): SshConfigBlock[] {
  const blocks: SshConfigBlock[] = [{ kind: 'global', patterns: [], options: [] }];
  const current = () => blocks[blocks.length - 1]!;
  for (const raw of text.split(/\r?\n/)) {
    const kw = splitKeyword(raw);
    if (!kw) continue;
    if (kw.key === 'host') {
      blocks.push({ kind: 'host', patterns: kw.args, options: [] });
    } else if (kw.key === 'match') {
      blocks.push({ kind: 'match', patterns: kw.args, options: [] });
    } else if (kw.key === 'include') {
      if (!loadInclude || depth >= 8) continue;
      const outer = current();
      for (const pattern of kw.args) {
        for (const file of loadInclude(pattern)) {
          const inner = parseSshConfig(file.text, loadInclude, depth + 1);
          // Lines before the included file's first Host belong to the block the Include sits in.
          outer.options.push(...inner[0]!.options);
          blocks.push(...inner.slice(1));
        }
      }
      // Options after the Include still belong to the outer block.
      if (current() !== outer) blocks.push({ kind: outer.kind, patterns: outer.patterns, options: [] });
    } else {
      current().options.push(kw);
    }
  }
  return blocks;
}

/** ssh's match_hostname_list: any positive pattern matches and no negated one does. */
export function hostPatternsMatch(patterns: readonly string[], alias: string): boolean {
  const name = alias.toLowerCase();
  let hit = false;
  for (const raw of patterns.flatMap((p) => p.split(','))) {
    if (raw === '') continue;
    const negated = raw.startsWith('!');
    const p = (negated ? raw.slice(1) : raw).toLowerCase();
    if (wildcardMatch(p, name)) {
      if (negated) return false;
      hit = true;
    }
  }
  return hit;
}

export interface ResolvedHost {
  alias: string;
  hostName?: string;
  port?: number;
  user?: string;
  identityFiles: string[];
  proxyJump?: string;
  proxyCommand?: string;
  identitiesOnly?: boolean;
}

/** The options ssh would use for `ssh ALIAS`: the first value seen wins, IdentityFile accumulates. */
export function resolveHost(blocks: readonly SshConfigBlock[], alias: string): ResolvedHost {
  const seen = new Map<string, string[]>();
  const identityFiles: string[] = [];
  for (const b of blocks) {
    if (b.kind === 'match') continue;
    if (b.kind === 'host' && !hostPatternsMatch(b.patterns, alias)) continue;
    for (const o of b.options) {
      if (o.key === 'identityfile') {
        if (o.args[0]) identityFiles.push(o.args[0]);
      } else if (!seen.has(o.key)) seen.set(o.key, o.args);
    }
  }
  const first = (k: string) => seen.get(k)?.[0];
  const out: ResolvedHost = { alias, identityFiles };
  const hostName = first('hostname');
  if (hostName) out.hostName = hostName;
  const port = Number(first('port'));
  if (Number.isInteger(port) && port > 0 && port < 65536) out.port = port;
  const user = first('user');
  if (user) out.user = user;
  const jump = first('proxyjump');
  if (jump && jump.toLowerCase() !== 'none') out.proxyJump = jump;
  const pc = seen.get('proxycommand');
  if (pc && pc[0]?.toLowerCase() !== 'none') out.proxyCommand = pc.join(' ');
  const io = first('identitiesonly');
  if (io) out.identitiesOnly = io.toLowerCase() === 'yes';
  return out;
}

/** Aliases written literally in Host lines (no wildcard, not negated): the hosts one can import. */
export function concreteHostAliases(blocks: readonly SshConfigBlock[]): string[] {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.kind !== 'host') continue;
    for (const p of b.patterns.flatMap((x) => x.split(','))) {
      if (p === '' || p.startsWith('!') || /[*?]/.test(p)) continue;
      if (!out.includes(p)) out.push(p);
    }
  }
  return out;
}

/** ssh's percent tokens for HostName and IdentityFile: %h %p %r %u %d %n %%, plus a leading ~. */
export function expandTokens(value: string, ctx: { alias: string; host: string; port: number; remoteUser: string; localUser: string; home: string }): string {
  let v = value;
  if (v === '~' || v.startsWith('~/')) v = ctx.home + v.slice(1);
  return v.replace(/%([hprudn%])/g, (_m, t: string) => {
    switch (t) {
      case 'h':
        return ctx.host;
      case 'p':
        return String(ctx.port);
      case 'r':
        return ctx.remoteUser;
      case 'u':
        return ctx.localUser;
      case 'd':
        return ctx.home;
      case 'n':
        return ctx.alias;
      default:
        return '%';
    }
  });
}
