/**
 * sshd configuration as sshd reads it, and edits that really win.
 *
 * The traps (facts.md): sshd keeps the FIRST value it reads for a keyword;
 * `Include` is expanded in place, its glob in lexical order; a `Match` block
 * overrides the global value for the connections it matches, until the next
 * `Match` or the end of the file. So appending "PasswordAuthentication no" to
 * sshd_config changes nothing when a drop-in read earlier says "yes".
 *
 * Everything here is pure: the probe hands over the files, this decides, the
 * step writes, and `sshd -T` has the last word in verify.
 */
export interface SshdFile {
  path: string;
  content: string;
}

export interface Directive {
  file: string;
  /** 0-based line index in its file. */
  line: number;
  keyword: string;
  /** Lower-case keyword, as sshd -T prints it. */
  key: string;
  value: string;
  /** The Match criteria this directive sits under, or null when global. */
  match: string | null;
}

const INCLUDE = 'include';
const MATCH = 'match';

/** Keyword aliases sshd accepts; -T prints the canonical name. */
const ALIASES: Record<string, string> = {
  challengeresponseauthentication: 'kbdinteractiveauthentication',
};

export function canonicalKey(keyword: string): string {
  const k = keyword.toLowerCase();
  return ALIASES[k] ?? k;
}

/** Value aliases: `sshd -T` prints "without-password" for "prohibit-password", its old name. */
const VALUE_ALIASES: Record<string, Record<string, string>> = {
  permitrootlogin: { 'without-password': 'prohibit-password' },
};

/** A value as sshd means it: case and aliases do not matter. */
export function canonicalValue(keyword: string, value: string): string {
  const v = value.trim().toLowerCase();
  return VALUE_ALIASES[canonicalKey(keyword)]?.[v] ?? v;
}

/** Every way `sshd -T` may print a value that means this one (the canonical form and its old names). */
export function valueSpellings(keyword: string, value: string): string[] {
  const v = canonicalValue(keyword, value);
  const aliases = Object.entries(VALUE_ALIASES[canonicalKey(keyword)] ?? {}).filter(([, to]) => to === v).map(([from]) => from);
  return [v, ...aliases];
}

function splitDirective(raw: string): { keyword: string; value: string } | null {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return null;
  // "Keyword value", "Keyword=value" and "Keyword = value" are all accepted by sshd.
  const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*)$/.exec(line);
  if (!m) return { keyword: line, value: '' };
  return { keyword: m[1]!, value: m[2]!.replace(/\s+#.*$/, '').trim() };
}

/** Glob match for Include patterns (*, ?, [...]); paths are compared whole. */
export function globMatch(pattern: string, path: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += '[' + pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$').test(path);
}

function resolveInclude(pattern: string): string {
  // Relative Include paths are relative to /etc/ssh (sshd_config(5)).
  return pattern.startsWith('/') || pattern.startsWith('~') ? pattern : `/etc/ssh/${pattern}`;
}


/** The Include patterns of a file, resolved, in order. */
export function includePatterns(content: string): string[] {
  const out: string[] = [];
  for (const raw of content.split('\n')) {
    const d = splitDirective(raw);
    if (d && d.keyword.toLowerCase() === INCLUDE) out.push(...d.value.split(/\s+/).filter(Boolean).map(resolveInclude));
  }
  return out;
}

/**
 * Every directive in the order sshd reads it. `files` holds the main file
 * first and any file an Include may name; Includes are expanded in place
 * with their matches sorted, as sshd does.
 */
export function flatten(mainPath: string, files: readonly SshdFile[]): Directive[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const out: Directive[] = [];
  const visit = (file: SshdFile, inheritedMatch: string | null, depth: number) => {
    if (depth > 16) return;
    let match = inheritedMatch;
    file.content.split('\n').forEach((raw, line) => {
      const d = splitDirective(raw);
      if (!d) return;
      const key = canonicalKey(d.keyword);
      if (key === MATCH) {
        match = d.value.toLowerCase() === 'all' ? null : d.value;
        return;
      }
      if (key === INCLUDE) {
        for (const pattern of d.value.split(/\s+/).filter(Boolean).map(resolveInclude)) {
          const matches = files.map((f) => f.path).filter((p) => p !== file.path && globMatch(pattern, p)).sort();
          for (const p of matches) visit(byPath.get(p)!, match, depth + 1);
        }
        return;
      }
      out.push({ file: file.path, line, keyword: d.keyword, key, value: d.value, match });
    });
  };
  const main = byPath.get(mainPath);
  if (main) visit(main, null, 0);
  return out;
}

/** The global value sshd would use for each keyword: the first one read outside Match. */
export function effectiveGlobal(directives: readonly Directive[]): Map<string, Directive> {
  const eff = new Map<string, Directive>();
  for (const d of directives) if (d.match === null && !eff.has(d.key)) eff.set(d.key, d);
  return eff;
}

export interface DesiredSetting {
  keyword: string;
  /** The value written. */
  value: string;
  /** Whether a value found in a file already meets the setting (default: the same value). */
  accepts?: (value: string) => boolean;
}

export const DROP_IN_PATH = '/etc/ssh/sshd_config.d/00-hardenlab.conf';
const BLOCK_BEGIN = '# BEGIN Harden Lab: read first, because sshd keeps the first value it reads';
const BLOCK_END = '# END Harden Lab';
const MATCH_DISABLED = '#hardenlab-disabled# ';

export interface SshdEditPlan {
  /** Files whose content changes (before -> after). */
  files: Array<{ path: string; before: string | null; after: string | null; mode?: string }>;
  /** Where our settings go: a drop-in read first, or a block at the top of sshd_config. */
  placement: 'drop-in' | 'main-top';
  /** Match-block lines disabled because they would override a hardened setting. */
  disabledOverrides: Directive[];
  /** Settings already in effect (nothing to change for them). */
  alreadyEffective: string[];
}

function renderSettings(settings: readonly DesiredSetting[]): string {
  return settings.map((s) => `${s.keyword} ${s.value}`).join('\n');
}

function dropInContent(settings: readonly DesiredSetting[]): string {
  return [
    '# Managed by Harden Lab. sshd keeps the first value it reads, and this',
    '# file is read before the other drop-ins, so these settings win.',
    renderSettings(settings),
    '',
  ].join('\n');
}

/** What Harden Lab wrote before: the directives of its drop-in and of its block at the top of sshd_config, first value of each keyword. */
export function ourDirectives(mainPath: string, files: readonly SshdFile[], dropInPath: string = DROP_IN_PATH): Array<{ keyword: string; value: string }> {
  const main = files.find((f) => f.path === mainPath)?.content ?? '';
  const lines = main.split('\n');
  const b = lines.indexOf(BLOCK_BEGIN);
  const e = lines.indexOf(BLOCK_END);
  const block = b >= 0 && e > b ? lines.slice(b + 1, e) : [];
  const dropIn = (files.find((f) => f.path === dropInPath)?.content ?? '').split('\n');
  const seen = new Map<string, { keyword: string; value: string }>();
  for (const raw of [...dropIn, ...block]) {
    const d = splitDirective(raw);
    const key = d ? canonicalKey(d.keyword) : '';
    if (d && key !== MATCH && key !== INCLUDE && !seen.has(key)) seen.set(key, d);
  }
  return [...seen.values()];
}

/** Removes a previous Harden Lab block from sshd_config text (so re-planning replaces it). */
function withoutOurBlock(content: string): string {
  const lines = content.split('\n');
  const b = lines.indexOf(BLOCK_BEGIN);
  const e = lines.indexOf(BLOCK_END);
  if (b < 0 || e < b) return content;
  const rest = [...lines.slice(0, b), ...lines.slice(e + 1)];
  // Drop the blank line we added after the block.
  if (rest[b] === '' && (b === 0 || rest[b - 1] === '')) rest.splice(b, 1);
  return rest.join('\n');
}

/** Inserts our block before the first directive (after the leading comment header). */
function withOurBlock(content: string, settings: readonly DesiredSetting[]): string {
  const lines = withoutOurBlock(content).split('\n');
  let at = lines.findIndex((l) => splitDirective(l) !== null);
  if (at < 0) at = lines.length;
  const block = [BLOCK_BEGIN, renderSettings(settings), BLOCK_END, ''];
  return [...lines.slice(0, at), ...block, ...lines.slice(at)].join('\n');
}

function meets(s: DesiredSetting, value: string): boolean {
  return s.accepts ? s.accepts(value) : canonicalValue(s.keyword, value) === canonicalValue(s.keyword, s.value);
}

/**
 * Plans the smallest edit that makes every desired setting the one sshd uses,
 * globally and for every Match block. Prefers a drop-in when the main file
 * Includes the drop-in directory before any competing value; otherwise puts a
 * block at the very top of sshd_config.
 */
export function planSshdEdit(mainPath: string, files: readonly SshdFile[], desired: readonly DesiredSetting[], dropInPath: string = DROP_IN_PATH): SshdEditPlan {
  const main = files.find((f) => f.path === mainPath);
  if (!main) throw new Error(`${mainPath} is missing from the probe.`);
  const desiredKeys = new Map(desired.map((s) => [canonicalKey(s.keyword), s]));

  // Match-block lines that set one of our keywords to another value would override it: disable them.
  const current = flatten(mainPath, files);
  const overrides = current.filter((d) => d.match !== null && desiredKeys.has(d.key) && !meets(desiredKeys.get(d.key)!, d.value));
  const disabledByFile = new Map<string, Set<number>>();
  for (const d of overrides) {
    if (!disabledByFile.has(d.file)) disabledByFile.set(d.file, new Set());
    disabledByFile.get(d.file)!.add(d.line);
  }
  const disableLines = (f: SshdFile): string =>
    f.content
      .split('\n')
      .map((l, i) => (disabledByFile.get(f.path)?.has(i) ? `${MATCH_DISABLED}${l.trim()}   # overrode a hardened setting` : l))
      .join('\n');

  const alreadyEffective = (dirs: Directive[]) => {
    const eff = effectiveGlobal(dirs);
    return desired.filter((s) => {
      const d = eff.get(canonicalKey(s.keyword));
      return d !== undefined && meets(s, d.value);
    });
  };

  // Already in effect everywhere (whoever put it there): nothing to change.
  if (alreadyEffective(current).length === desired.length && overrides.length === 0) {
    return { files: [], placement: files.some((f) => f.path === dropInPath) ? 'drop-in' : 'main-top', disabledOverrides: [], alreadyEffective: desired.map((s) => s.keyword) };
  }

  // Candidate 1: our drop-in, when the drop-in directory is included globally.
  const existingDropIn = files.find((f) => f.path === dropInPath);
  const includesDropInDir = flatten(mainPath, [...files.filter((f) => f.path !== dropInPath), { path: dropInPath, content: 'HardenLabProbe yes\n' }]).some(
    (d) => d.file === dropInPath && d.match === null,
  );
  const mainClean = withoutOurBlock(main.content);
  const candidates: Array<{ placement: SshdEditPlan['placement']; files: SshdFile[] }> = [];
  if (includesDropInDir) {
    candidates.push({
      placement: 'drop-in',
      files: files
        .map((f) => (f.path === mainPath ? { ...f, content: mainClean } : f))
        .filter((f) => f.path !== dropInPath)
        .concat({ path: dropInPath, content: dropInContent(desired) }),
    });
  }
  candidates.push({
    placement: 'main-top',
    files: files.filter((f) => f.path !== dropInPath).map((f) => (f.path === mainPath ? { ...f, content: withOurBlock(main.content, desired) } : f)),
  });

  for (const c of candidates) {
    const withDisabled = c.files.map((f) => ({ ...f, content: disableLines(f) }));
    const flat = flatten(mainPath, withDisabled);
    const wins = alreadyEffective(flat).length === desired.length && !flat.some((d) => d.match !== null && desiredKeys.has(d.key) && !meets(desiredKeys.get(d.key)!, d.value));
    if (!wins) continue;
    const changed: SshdEditPlan['files'] = [];
    for (const f of withDisabled) {
      const before = files.find((x) => x.path === f.path)?.content ?? null;
      if (before !== f.content) changed.push({ path: f.path, before, after: f.content, ...(before === null ? { mode: '0644' } : {}) });
    }
    // A drop-in placement leaves no stale block of ours in the main file, and vice versa.
    if (c.placement === 'main-top' && existingDropIn) changed.push({ path: dropInPath, before: existingDropIn.content, after: null });
    return { files: changed, placement: c.placement, disabledOverrides: overrides, alreadyEffective: alreadyEffective(current).map((s) => s.keyword) };
  }
  throw new Error('No placement makes the hardened settings win; the configuration is unusual (an Include inside a Match block?).');
}

/** Parses `sshd -T` output ("key value" lines, keys lower-case). */
export function parseSshdT(output: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of output.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const k = line.slice(0, sp).toLowerCase();
    if (!m.has(k)) m.set(k, line.slice(sp + 1).trim());
  }
  return m;
}
