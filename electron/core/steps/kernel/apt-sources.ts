import type { OsRelease } from '../../distro/os-release';

/**
 * APT sources as the kernel step needs them: is a security suite configured?
 * Kernel fixes reach Debian stable through <codename>-security first (point
 * releases come weeks later), so a VM with only the main suite stays on an
 * old kernel although `apt-get upgrade` says everything is up to date.
 * Both formats are read: one-line .list files and deb822 .sources files.
 */
export interface AptSourceEntry {
  file: string;
  type: string;
  uri: string;
  suite: string;
  components: string[];
}

/** The file the step writes when asked to add the security suite. */
export const SECURITY_LIST_PATH = '/etc/apt/sources.list.d/hardenlab-security.list';

/** Marker lines the probe prints around each file (see sourcesListingScript). */
export const SOURCE_FILE_MARKER = '### hardenlab-source-file ';
export const SOURCE_END_MARKER = '### hardenlab-source-end';

/**
 * Prints every APT source file framed by marker lines. The newline after
 * each file keeps a file without a final newline from swallowing the next
 * marker, and makes the split below give back each file's exact text.
 */
export const SOURCES_LISTING_SCRIPT = `for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  if [ -f "$f" ]; then printf '%s%s\\n' '${SOURCE_FILE_MARKER}' "$f"; cat -- "$f"; echo; fi
done
echo '${SOURCE_END_MARKER}'`;

/** Splits the probe's listing back into files. */
export function splitSourceFiles(listing: string): Array<{ path: string; content: string }> {
  const out: Array<{ path: string; content: string }> = [];
  let cur: { path: string; lines: string[] } | null = null;
  const flush = (): void => {
    // The probe's own newline is the line break the split consumed before the next marker.
    if (cur) out.push({ path: cur.path, content: cur.lines.join('\n') });
    cur = null;
  };
  for (const line of listing.split('\n')) {
    if (line.startsWith(SOURCE_FILE_MARKER)) {
      flush();
      cur = { path: line.slice(SOURCE_FILE_MARKER.length).trim(), lines: [] };
    } else if (line === SOURCE_END_MARKER) {
      flush();
      break;
    } else {
      cur?.lines.push(line);
    }
  }
  flush();
  return out;
}

/** One-line format: `deb [options] URI SUITE COMPONENT...`. */
function parseOneLine(file: string, content: string): AptSourceEntry[] {
  const out: AptSourceEntry[] = [];
  for (const raw of content.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const withoutOptions = line.replace(/\[[^\]]*\]\s*/, '');
    const [type, uri, suite, ...components] = withoutOptions.split(/\s+/);
    if (!type || !uri || !suite || (type !== 'deb' && type !== 'deb-src')) continue;
    out.push({ file, type, uri, suite, components });
  }
  return out;
}

/** deb822 format: stanzas with Types, URIs, Suites, Components (and Enabled: no). */
function parseDeb822(file: string, content: string): AptSourceEntry[] {
  const out: AptSourceEntry[] = [];
  for (const block of content.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last: string | null = null;
    for (const raw of block.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        fields[last] += ` ${raw.trim()}`;
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m) {
        last = m[1]!.toLowerCase();
        fields[last] = m[2]!.trim();
      }
    }
    if ((fields.enabled ?? 'yes').toLowerCase() === 'no') continue;
    const words = (k: string): string[] => (fields[k] ?? '').split(/\s+/).filter(Boolean);
    for (const type of words('types')) {
      if (type !== 'deb' && type !== 'deb-src') continue;
      for (const uri of words('uris')) for (const suite of words('suites')) out.push({ file, type, uri, suite, components: words('components') });
    }
  }
  return out;
}

export function parseAptSources(files: ReadonlyArray<{ path: string; content: string }>): AptSourceEntry[] {
  return files.flatMap((f) => (f.path.endsWith('.sources') ? parseDeb822(f.path, f.content) : parseOneLine(f.path, f.content)));
}

/** A binary-package security suite for this release: <codename>-security (or the old <codename>/updates of security.debian.org). */
export function securityEntries(entries: readonly AptSourceEntry[], codename: string | undefined): AptSourceEntry[] {
  return entries.filter((e) => {
    if (e.type !== 'deb') return false;
    if (codename) return e.suite === `${codename}-security` || (e.suite === `${codename}/updates` && /security/.test(e.uri));
    return /-security$/.test(e.suite);
  });
}

/** The line that adds the security suite, or null when this distribution is not one we know the mirror of. */
export function securitySourceLine(os: OsRelease): string | null {
  const codename = os.versionCodename;
  if (!codename || !/^[a-z]+$/.test(codename)) return null;
  if (os.id === 'debian') return `deb http://deb.debian.org/debian-security ${codename}-security main`;
  if (os.id === 'ubuntu') return `deb http://security.ubuntu.com/ubuntu ${codename}-security main`;
  return null;
}

export function securityListContent(line: string): string {
  return `# Added by Harden Lab: kernel and other security fixes reach this release here first.\n${line}\n`;
}
