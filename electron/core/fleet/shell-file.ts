import { quoteArg } from '../../../shared/quote';
import { HardenLabError } from '../errors';

/** The shell export's one way to write a file: only when it differs, keeping a backup, and saying so. */
export const PUT_FILE = [
  '# put_file PATH MODE: replaces PATH with stdin when the content differs, keeping a backup. Prints "changed" when it did.',
  'put_file() {',
  '  tmp="$1.hardenlab-new.$$"',
  '  cat > "$tmp"',
  '  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 0; fi',
  '  if [ -f "$1" ]; then cp -p "$1" "$1.hardenlab-bak-$(date +%Y%m%dT%H%M%S)"; chmod --reference="$1" "$tmp" 2>/dev/null || chmod "$2" "$tmp"; chown --reference="$1" "$tmp" 2>/dev/null || true; else chmod "$2" "$tmp"; fi',
  '  sync "$tmp" 2>/dev/null || sync',
  '  mv -f "$tmp" "$1"',
  '  echo changed',
  '}',
  '',
];

/** Lines that write (or remove) one file and set the shell variable `flag` when it changed. */
export function shellPut(f: { path: string; content: string | null; mode?: string }, flag: string, notes: string[]): string[] {
  if (f.content === null) return [`if [ -e ${quoteArg(f.path)} ]; then rm -f ${quoteArg(f.path)}; ${flag}=1; fi`];
  const marker = `HARDENLAB_EOF_${Math.abs(hash(f.content)).toString(36)}`;
  if (f.content.includes(marker)) throw new HardenLabError('INTERNAL', `Cannot embed ${f.path} in a shell script.`);
  const body = f.content.endsWith('\n') ? f.content : `${f.content}\n`;
  if (!f.content.endsWith('\n')) notes.push(`${f.path}: the shell script adds a final newline the original did not have.`);
  return [`if [ -n "$(put_file ${quoteArg(f.path)} ${quoteArg(f.mode ?? '0644')} <<'${marker}'\n${body}${marker}\n)" ]; then ${flag}=1; fi`];
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}
