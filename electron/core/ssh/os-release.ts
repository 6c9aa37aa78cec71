/** Reads /etc/os-release (KEY=value, optionally quoted) into a map. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    const q = v[0];
    if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) v = v.slice(1, -1);
    if (q === '"') v = v.replace(/\\(["\\$`])/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

/** "Debian GNU/Linux 12 (bookworm)", or the best we can say without PRETTY_NAME. */
export function osDisplayName(fields: Record<string, string>): string | undefined {
  return fields.PRETTY_NAME || [fields.NAME, fields.VERSION ?? fields.VERSION_ID].filter(Boolean).join(' ') || undefined;
}
