/** Parses /etc/os-release (shell-style KEY=value, values optionally quoted). */
export interface OsRelease {
  id: string;
  idLike: string[];
  versionId: string;
  prettyName: string;
  versionCodename?: string;
}

export function parseOsRelease(text: string): OsRelease {
  const kv = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1);
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
    }
    kv.set(line.slice(0, eq), value);
  }
  const id = (kv.get('ID') ?? 'linux').toLowerCase();
  const codename = kv.get('VERSION_CODENAME');
  return {
    id,
    idLike: (kv.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    versionId: kv.get('VERSION_ID') ?? '',
    prettyName: kv.get('PRETTY_NAME') || [kv.get('NAME'), kv.get('VERSION') ?? kv.get('VERSION_ID')].filter(Boolean).join(' ') || id,
    ...(codename ? { versionCodename: codename } : {}),
  };
}
