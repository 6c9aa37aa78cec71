/**
 * Config files named by glob patterns, listed and read in ONE command: the
 * remote shell expands each pattern (as sshd's Include or systemd-sysctl's
 * directories would), and prints every regular file as a header line
 * "<bytes> <path>" followed by exactly that many bytes of content. The
 * length prefix, not a delimiter, ends a file, so no content can forge the
 * next header. Patterns are argv words, never script text.
 */
export interface ReadFile {
  path: string;
  content: string;
}

const SCRIPT = 'for p in "$@"; do for f in $p; do [ -f "$f" ] || continue; n=$(wc -c < "$f") || continue; printf "%s %s\\n" "$n" "$f"; cat "$f"; done; done; true';

export function readGlobsCommand(patterns: readonly string[]): string[] {
  return ['sh', '-c', SCRIPT, 'sh', ...patterns];
}

/** Pure. The first copy of a path wins (two patterns naming the same file); a torn tail is dropped. */
export function parseReadGlobs(stdout: string): ReadFile[] {
  const bytes = Buffer.from(stdout, 'utf8');
  const out: ReadFile[] = [];
  const seen = new Set<string>();
  let pos = 0;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) break;
    const m = /^\s*(\d+) (\/.*)$/.exec(bytes.subarray(pos, nl).toString('utf8'));
    if (!m) break;
    const size = Number(m[1]);
    const start = nl + 1;
    if (start + size > bytes.length) break;
    const path = m[2]!;
    if (!seen.has(path)) {
      seen.add(path);
      out.push({ path, content: bytes.subarray(start, start + size).toString('utf8') });
    }
    pos = start + size;
  }
  return out;
}
