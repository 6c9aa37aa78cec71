/**
 * Kernel releases and package versions as Debian and Alpine print them, parsed
 * by pure functions so the decisions can be tested on recorded output.
 *
 * A "release" is what `uname -r` prints: 6.1.0-56-cloud-amd64 on Debian (ABI
 * number, then the flavor), 6.6.58-0-lts on Alpine (pkgver, pkgrel, flavor).
 */

/** The numbers that order two releases of one flavor: 6.1.0-56-cloud-amd64 -> [6, 1, 0, 56]. */
function releaseNumbers(release: string): number[] | null {
  const m = /^(\d+(?:\.\d+)*)(?:-(\d+))?/.exec(release);
  if (!m) return null;
  return [...m[1]!.split('.').map(Number), ...(m[2] !== undefined ? [Number(m[2])] : [])];
}

function compareNumberLists(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Orders two kernel releases (negative: a is older). Unparseable releases sort first. */
export function compareKernelReleases(a: string, b: string): number {
  const na = releaseNumbers(a);
  const nb = releaseNumbers(b);
  if (!na || !nb) return na ? 1 : nb ? -1 : a.localeCompare(b);
  return compareNumberLists(na, nb) || a.localeCompare(b);
}

/** The newest of some releases, or null. */
export function newestRelease(releases: ReadonlyArray<string | null | undefined>): string | null {
  let best: string | null = null;
  for (const r of releases) if (r && (best === null || compareKernelReleases(r, best) > 0)) best = r;
  return best;
}

/**
 * The flavor part of a release, which a newer kernel of the same kind shares:
 * 6.1.0-50-cloud-amd64 -> cloud-amd64, 5.15.0-91-generic -> generic,
 * 6.6.58-0-lts -> lts. Null for a release that follows neither scheme.
 */
export function flavorSuffixOf(release: string): string | null {
  return /^\d+\.\d+(?:\.\d+)?-\d+-([a-z0-9][a-z0-9.+-]*)$/.exec(release)?.[1] ?? null;
}

// ---------------------------------------------------------------- Debian

export interface DpkgPackage {
  name: string;
  version: string;
  installed: boolean;
}

/** `dpkg-query -W -f '${Package}\t${Version}\t${db:Status-Abbrev}\n' 'linux-image-*'`: "ii " means installed. */
export function parseDpkgQuery(text: string): DpkgPackage[] {
  const out: DpkgPackage[] = [];
  for (const line of text.split('\n')) {
    const [name, version = '', status = ''] = line.split('\t');
    if (!name) continue;
    out.push({ name: name.trim(), version: version.trim(), installed: /^[a-z]i/.test(status) });
  }
  return out;
}

/** The kernel releases installed for one flavor, from the linux-image-<release> packages. */
export function debianInstalledReleases(packages: readonly DpkgPackage[], flavorSuffix: string): string[] {
  const out: string[] = [];
  for (const p of packages) {
    if (!p.installed) continue;
    const rel = debianReleaseOfPackage(p.name, flavorSuffix);
    if (rel) out.push(rel);
  }
  return out.sort(compareKernelReleases);
}

/** linux-image-6.1.0-56-cloud-amd64 -> 6.1.0-56-cloud-amd64 (not the -unsigned or -dbg packages, not the meta package). */
export function debianReleaseOfPackage(name: string, flavorSuffix: string): string | null {
  const m = /^linux-image-(\d+\.\d+(?:\.\d+)?-\d+-([a-z0-9][a-z0-9.+-]*))$/.exec(name);
  return m && m[2] === flavorSuffix ? m[1]! : null;
}

export interface AptPolicy {
  installed: string | null;
  candidate: string | null;
  /** Versions in the table with where each comes from. */
  versions: Array<{ version: string; origins: string[] }>;
  /** Whether any version comes from a repository (not only /var/lib/dpkg/status): false means the index is empty for this package. */
  fromRepository: boolean;
}

/** `apt-cache policy PKG` for one package. Null when apt does not know the package at all. */
export function parseAptPolicy(text: string): AptPolicy | null {
  const lines = text.split('\n');
  const field = (name: string): string | null => {
    const l = lines.find((x) => x.trim().startsWith(`${name}:`));
    if (!l) return null;
    const v = l.trim().slice(name.length + 1).trim();
    return v === '' || v === '(none)' ? null : v;
  };
  if (!lines.some((l) => /^\s+Candidate:/.test(l))) return null;
  const versions: AptPolicy['versions'] = [];
  const start = lines.findIndex((l) => /^\s+Version table:/.test(l));
  if (start >= 0) {
    for (const l of lines.slice(start + 1)) {
      const v = /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(l);
      if (v) {
        versions.push({ version: v[1]!, origins: [] });
        continue;
      }
      const o = /^\s+-?\d+ (.+)$/.exec(l);
      if (o && versions.length > 0) versions[versions.length - 1]!.origins.push(o[1]!.trim());
    }
  }
  return {
    installed: field('Installed'),
    candidate: field('Candidate'),
    versions,
    fromRepository: versions.some((v) => v.origins.some((o) => o !== '/var/lib/dpkg/status')),
  };
}

/** RFC 822-style stanzas of `apt-cache show` (continuation lines folded in). */
export function parseControlStanzas(text: string): Array<Record<string, string>> {
  const stanzas: Array<Record<string, string>> = [];
  let cur: Record<string, string> | null = null;
  let last: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (cur) stanzas.push(cur);
      cur = null;
      last = null;
      continue;
    }
    if (/^\s/.test(line) && cur && last) {
      cur[last] += `\n${line.trim()}`;
      continue;
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9_-]*):\s?(.*)$/.exec(line);
    if (!m) continue;
    cur ??= {};
    last = m[1]!;
    cur[last] = m[2]!;
  }
  if (cur) stanzas.push(cur);
  return stanzas;
}

/** The release a meta package version pulls in: its Depends names linux-image-<release> of the same flavor. */
export function releaseFromMetaShow(showText: string, version: string, flavorSuffix: string): string | null {
  const stanza = parseControlStanzas(showText).find((s) => s.Version === version);
  if (!stanza?.Depends) return null;
  for (const alt of stanza.Depends.split(/[,|]/)) {
    const name = alt.trim().split(/\s/)[0] ?? '';
    const rel = debianReleaseOfPackage(name, flavorSuffix);
    if (rel) return rel;
  }
  return null;
}

export interface AptSimulation {
  /** Packages apt would install or upgrade, with the version it would install. */
  install: Array<{ name: string; version: string; from: string | null }>;
  remove: string[];
}

/** `apt-get -s install ...`: the Inst and Remv lines. */
export function parseAptSimulation(text: string): AptSimulation {
  const install: AptSimulation['install'] = [];
  const remove: string[] = [];
  for (const line of text.split('\n')) {
    const i = /^Inst (\S+)(?: \[[^\]]*\])? \((\S+)(?: ([^[)]+?))?(?: \[[^\]]*\])?\)/.exec(line);
    if (i) {
      install.push({ name: i[1]!, version: i[2]!, from: i[3]?.trim() ?? null });
      continue;
    }
    const r = /^Remv (\S+)/.exec(line);
    if (r) remove.push(r[1]!);
  }
  return { install, remove };
}

// ---------------------------------------------------------------- Alpine

export interface ApkPackage {
  name: string;
  version: string;
}

/** Splits "linux-lts-6.6.58-r0" into name and version (the version starts at the last "-<digit>" before "-r<n>"). */
export function splitApkNameVersion(s: string): ApkPackage | null {
  const m = /^(.+?)-(\d[0-9A-Za-z._]*-r\d+)$/.exec(s.trim());
  return m ? { name: m[1]!, version: m[2]! } : null;
}

/** `apk info -v`: one "name-version" a line. */
export function parseApkInfo(text: string): ApkPackage[] {
  return text
    .split('\n')
    .map((l) => splitApkNameVersion(l))
    .filter((p): p is ApkPackage => p !== null);
}

/** Orders apk versions such as 6.6.58-r0 and 6.6.60-r1 (the numeric parts, then the -r release). */
export function compareApkVersions(a: string, b: string): number {
  const parse = (v: string): number[] => {
    const m = /^([\d.]+)[^-]*(?:-r(\d+))?$/.exec(v);
    if (!m) return [];
    return [...m[1]!.split('.').filter(Boolean).map(Number), Number(m[2] ?? 0)];
  };
  return compareNumberLists(parse(a), parse(b));
}

export interface ApkPolicy {
  name: string;
  versions: Array<{ version: string; installed: boolean; repositories: string[] }>;
  installed: string | null;
  /** The newest version any repository (or the installed database) offers. */
  newest: string | null;
}

/**
 * `apk policy PKG` (apk-tools 2 and 3):
 *
 *   linux-lts policy:
 *     6.6.31-r0:
 *       lib/apk/db/installed
 *     6.6.58-r0:
 *       https://dl-cdn.alpinelinux.org/alpine/v3.20/main
 *
 * apk 2 lists versions in its order of preference, apk 3 by ascending
 * version, so the newest is computed rather than taken by position.
 */
export function parseApkPolicy(text: string): ApkPolicy | null {
  let name: string | null = null;
  const versions: ApkPolicy['versions'] = [];
  for (const line of text.split('\n')) {
    const head = /^(\S+) policy:$/.exec(line);
    if (head) {
      if (name !== null) break; // one package is asked for at a time
      name = head[1]!;
      continue;
    }
    const ver = /^ {2}(\S+?)(?: \([^)]*\))?:$/.exec(line);
    if (ver && name !== null) {
      versions.push({ version: ver[1]!, installed: false, repositories: [] });
      continue;
    }
    const src = /^ {4}(\S.*)$/.exec(line);
    if (src && versions.length > 0) {
      const v = versions[versions.length - 1]!;
      if (/(^|\/)installed$/.test(src[1]!.trim())) v.installed = true;
      else v.repositories.push(src[1]!.trim());
    }
  }
  if (name === null) return null;
  let newest: string | null = null;
  for (const v of versions) if (newest === null || compareApkVersions(v.version, newest) > 0) newest = v.version;
  return { name, versions, installed: versions.find((v) => v.installed)?.version ?? null, newest };
}

/**
 * `apk version PKG`:
 *
 *   Installed:                                Available:
 *   linux-lts-6.6.31-r0                     < 6.6.58-r0
 */
export function parseApkVersion(text: string, pkg: string): { installed: string | null; available: string | null } | null {
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+([<>=?~])\s*(\S+)?\s*$/.exec(line.trim());
    if (!m) continue;
    const p = splitApkNameVersion(m[1]!);
    if (!p || p.name !== pkg) continue;
    const available = m[3] && /^\d/.test(m[3]) ? m[3] : m[2] === '=' ? p.version : null;
    return { installed: p.version, available };
  }
  return null;
}

/** The release an Alpine kernel package version boots as: linux-lts 6.6.58-r0 -> 6.6.58-0-lts. */
export function alpineReleaseFor(version: string, flavor: string): string | null {
  const m = /^(\d+\.\d+(?:\.\d+)?)-r(\d+)$/.exec(version);
  return m ? `${m[1]}-${m[2]}-${flavor}` : null;
}

/** linux-lts -> lts (the flavor names /boot/vmlinuz-lts and /usr/share/kernel/lts). */
export function alpineFlavorOfMeta(metaPackage: string): string | null {
  return /^linux-([a-z0-9]+)$/.exec(metaPackage)?.[1] ?? null;
}

/** Lines "PATH<TAB>RELEASE" printed for /usr/share/kernel/<flavor>/kernel.release. */
export function parseKernelReleaseFiles(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\/usr\/share\/kernel\/([^/]+)\/kernel\.release\t(\S+)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
