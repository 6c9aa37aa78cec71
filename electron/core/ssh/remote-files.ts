import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { HardenLabError, type ErrorCode } from '../errors';
import type { ExecOptions } from './connection';
import type { RawExecResult } from './exec-channel';

/** What the file functions need from a connection. */
export interface FileTarget {
  readonly profile: { host: string };
  execRaw(argv: readonly string[], opts?: ExecOptions): Promise<RawExecResult>;
  execScript(script: string, args: readonly string[], opts?: ExecOptions): Promise<RawExecResult>;
}

export interface ReadFileOptions {
  elevate?: boolean;
  /** Return null instead of throwing NOT_FOUND. */
  missingOk?: boolean;
  maxBytes?: number;
  timeoutMs?: number;
}

export interface WriteFileOptions {
  elevate?: boolean;
  /** Keep the old content as FILE.hardenlab-bak-<time> beside it (default true). */
  backup?: boolean;
  /** Octal mode such as "0644" or 0o644; applied even when the file exists. Default: the existing file's mode, or 0644 for a new file. */
  mode?: string | number;
  /** "user:group" or "uid:gid"; applied even when the file exists. Default: the existing file's owner, or whoever writes a new file. */
  owner?: string;
  /** Follow a symbolic link (in the path or the file itself) and write the file it points to. Default false: refuse. */
  allowSymlink?: boolean;
  timeoutMs?: number;
  /** For tests: the moment used in the backup name. */
  now?: Date;
}

export interface WriteFileResult {
  path: string;
  /** Where the previous content was kept; null for a new file or backup: false. */
  backupPath: string | null;
  bytes: number;
}

/** An absolute, normalized path with no NUL or newline; anything else is refused before it reaches the VM. */
export function checkRemotePath(path: string): string {
  if (!path.startsWith('/')) throw new HardenLabError('BAD_INPUT', `The remote path ${JSON.stringify(path)} must be absolute.`);
  if (/[\0\n\r]/.test(path)) throw new HardenLabError('BAD_INPUT', 'A remote path cannot contain NUL or line breaks.');
  const norm = posix.normalize(path);
  if (norm !== path) {
    throw new HardenLabError('BAD_INPUT', `The remote path ${JSON.stringify(path)} is not in normal form (write it as ${JSON.stringify(norm)}).`);
  }
  if (norm === '/' || norm.endsWith('/')) throw new HardenLabError('BAD_INPUT', `${JSON.stringify(path)} names a directory, not a file.`);
  return norm;
}

function normalizeMode(mode: string | number | undefined): string {
  if (mode === undefined) return '';
  const text = typeof mode === 'number' ? mode.toString(8) : mode.replace(/^0o/, '');
  if (!/^[0-7]{3,4}$/.test(text)) throw new HardenLabError('BAD_INPUT', `${JSON.stringify(mode)} is not an octal file mode such as 0644.`);
  return text;
}

function checkOwner(owner: string | undefined): string {
  if (owner === undefined) return '';
  if (!/^[a-z_][a-z0-9_-]{0,31}(?::[a-z_][a-z0-9_-]{0,31})?$|^\d+(?::\d+)?$/.test(owner)) {
    throw new HardenLabError('BAD_INPUT', `${JSON.stringify(owner)} is not an owner such as root:root or 0:0.`);
  }
  return owner;
}

export function backupPathFor(path: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.(\d{3})Z$/, '$1Z');
  return `${path}.hardenlab-bak-${stamp}`;
}

/**
 * The remote half of writeFileAtomic, a POSIX sh script that runs the same
 * on Debian (dash, coreutils) and Alpine (busybox ash). Content arrives on
 * stdin; every name arrives as a positional argument, never inside the
 * script text. Steps, each fatal on failure:
 *   1. refuse a symlinked file or directory (unless allowed: then resolve it);
 *   2. mktemp beside the target (same file system, so rename is atomic);
 *   3. copy stdin into it and check its size and SHA-256: a dropped
 *      connection gives `cat` an early EOF, and a short file must never
 *      replace the real one;
 *   4. owner then mode (chown clears set-id bits, so chmod goes last);
 *   5. fsync the temp file (`sync FILE`; plain `sync` where FILE is unsupported);
 *   6. keep the old file as a hard link (cheap, exact), else a `cp -p` copy;
 *   7. rename over the target, fsync the directory.
 * Any exit before step 7 removes the temp file (EXIT/HUP/INT/TERM/PIPE
 * traps) and leaves the target untouched. Failures print one line
 * "HLFAIL <CODE> <message>" on stderr.
 */
export const ATOMIC_WRITE_SCRIPT = `# hardenlab-atomic-write
set -u
target=$1 newmode=$2 newowner=$3 backup=$4 allowlink=$5 size=$6 sum=$7
tmp=
fail() { c=$1; shift; printf 'HLFAIL %s %s\\n' "$c" "$*" >&2; exit 3; }
cleanup() { if [ -n "$tmp" ]; then rm -f -- "$tmp"; fi; }
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 129' HUP
trap 'cleanup; trap - EXIT; exit 130' INT
trap 'cleanup; trap - EXIT; exit 143' TERM
trap 'cleanup; trap - EXIT; exit 141' PIPE
dir=\${target%/*}; [ -n "$dir" ] || dir=/
base=\${target##*/}
[ -d "$dir" ] || fail NOT_FOUND "the directory $dir does not exist"
if [ "$allowlink" = 1 ]; then
  if [ -L "$target" ]; then
    target=$(readlink -f -- "$target") || fail NOT_FOUND "the link $target points nowhere"
    dir=\${target%/*}; [ -n "$dir" ] || dir=/
    base=\${target##*/}
  fi
  real=$(cd -P -- "$dir" && pwd -P) || fail NOT_FOUND "cannot enter $dir"
  dir=$real; target=\${dir%/}/$base
else
  [ -L "$target" ] && fail UNSAFE_PATH "$target is a symbolic link (to $(readlink -- "$target"))"
  real=$(cd -P -- "$dir" && pwd -P) || fail NOT_FOUND "cannot enter $dir"
  [ "$real" = "$dir" ] || fail UNSAFE_PATH "$dir leads to $real through a symbolic link"
fi
if [ -e "$target" ] && [ ! -f "$target" ]; then fail UNSAFE_PATH "$target is not a regular file"; fi
if [ -n "$backup" ] && [ -e "$backup" ]; then fail WRITE "the backup name $backup is taken"; fi
umask 077
tmp=$(mktemp "\${dir%/}/.$base.hardenlab-XXXXXX") || { tmp=; fail WRITE "cannot create a temporary file in $dir"; }
if ! err=$(cat 2>&1 >"$tmp"); then fail WRITE "writing into $dir failed: $err"; fi
got=$(wc -c <"$tmp" | tr -d ' ')
[ "$got" = "$size" ] || fail WRITE "only $got of $size bytes arrived (the writer stopped or the connection dropped)"
if [ -n "$sum" ] && command -v sha256sum >/dev/null 2>&1; then
  got=$(sha256sum <"$tmp"); got=\${got%% *}
  [ "$got" = "$sum" ] || fail WRITE "the content arrived damaged (checksum mismatch)"
fi
if [ -n "$newowner" ]; then owner=$newowner
elif [ -e "$target" ]; then owner=$(stat -c %u:%g -- "$target") || fail WRITE "cannot read the owner of $target"
else owner=; fi
if [ -n "$owner" ] && [ "$(stat -c %u:%g -- "$tmp")" != "$owner" ]; then
  if ! err=$(chown -- "$owner" "$tmp" 2>&1); then fail PERMISSION "cannot give the file to $owner: $err"; fi
fi
if [ -n "$newmode" ]; then mode=$newmode
elif [ -e "$target" ]; then mode=$(stat -c %a -- "$target") || fail WRITE "cannot read the mode of $target"
else mode=644; fi
chmod -- "$mode" "$tmp" || fail WRITE "cannot set mode $mode"
sync -- "$tmp" 2>/dev/null || sync
if [ -n "$backup" ] && [ -e "$target" ]; then
  ln -- "$target" "$backup" 2>/dev/null || cp -p -- "$target" "$backup" 2>/dev/null || fail WRITE "cannot keep a backup at $backup"
  printf 'HLBACKUP %s\\n' "$backup"
fi
if ! err=$(mv -f -- "$tmp" "$target" 2>&1); then
  if [ -n "$backup" ]; then rm -f -- "$backup"; fi
  fail WRITE "cannot rename into place: $err"
fi
tmp=
sync -- "$dir" 2>/dev/null || sync
printf 'HLOK %s\\n' "$target"
`;

const FAIL_CODES: Record<string, ErrorCode> = { NOT_FOUND: 'NOT_FOUND', UNSAFE_PATH: 'UNSAFE_PATH', WRITE: 'REMOTE_COMMAND_FAILED', PERMISSION: 'REMOTE_COMMAND_FAILED' };

export function parseWriteFailure(stderr: string, path: string, host: string): HardenLabError {
  const m = /^HLFAIL (\S+) (.*)$/m.exec(stderr);
  if (!m) {
    const text = stderr.trim().split('\n').slice(-3).join(' ') || 'the writer stopped without saying why';
    return new HardenLabError('REMOTE_COMMAND_FAILED', `Writing ${path} on ${host} failed: ${text}. The file was left as it was.`);
  }
  const code = FAIL_CODES[m[1]!] ?? 'REMOTE_COMMAND_FAILED';
  const hint =
    code === 'UNSAFE_PATH'
      ? 'Harden Lab does not follow symbolic links when it writes, so that an edit cannot land outside the file you meant. Write the real path instead, or allow links on purpose.'
      : m[1] === 'PERMISSION'
        ? 'Run the write elevated (as root).'
        : undefined;
  return new HardenLabError(code, `Writing ${path} on ${host} failed: ${m[2]}. The file was left as it was.`, hint ? { hint } : {});
}

/** Reads a remote file through `cat`; binary-safe. */
export async function readFileBuffer(conn: FileTarget, path: string, opts: ReadFileOptions = {}): Promise<Buffer | null> {
  const p = checkRemotePath(path);
  const max = opts.maxBytes ?? 16 * 1024 * 1024;
  // `test -e` first so a missing file is told apart from an unreadable one without parsing localized messages.
  const r = await conn.execScript('if [ ! -e "$1" ]; then exit 44; fi; exec cat -- "$1"', [p], {
    elevate: opts.elevate ?? false,
    maxOutputBytes: max,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
  if (r.code === 44) {
    if (opts.missingOk) return null;
    throw new HardenLabError('NOT_FOUND', `${p} does not exist on ${conn.profile.host}.`);
  }
  if (r.code !== 0) {
    const err = r.stderr.toString('utf8').trim();
    throw new HardenLabError('REMOTE_COMMAND_FAILED', `Reading ${p} on ${conn.profile.host} failed: ${err || `exit ${r.code}`}.`, {
      ...(/permission denied/i.test(err) && !opts.elevate ? { hint: 'The file is readable only by root: read it elevated.' } : {}),
    });
  }
  if (r.truncated) throw new HardenLabError('REMOTE_COMMAND_FAILED', `${p} on ${conn.profile.host} is larger than ${max} bytes.`);
  return r.stdout;
}

export async function readFile(conn: FileTarget, path: string, opts: ReadFileOptions & { missingOk: true }): Promise<string | null>;
export async function readFile(conn: FileTarget, path: string, opts?: ReadFileOptions): Promise<string>;
export async function readFile(conn: FileTarget, path: string, opts: ReadFileOptions = {}): Promise<string | null> {
  const b = await readFileBuffer(conn, path, opts);
  return b === null ? null : b.toString('utf8');
}

/**
 * Replaces a remote file atomically: readers see the old or the new content,
 * never a mix, and on any failure the old file is untouched (see
 * ATOMIC_WRITE_SCRIPT). The content travels on stdin only.
 */
export async function writeFileAtomic(conn: FileTarget, path: string, content: string | Buffer, opts: WriteFileOptions = {}): Promise<WriteFileResult> {
  const p = checkRemotePath(path);
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const backup = opts.backup ?? true;
  const backupPath = backup ? backupPathFor(p, opts.now ?? new Date()) : '';
  const sum = createHash('sha256').update(data).digest('hex');
  const args = [p, normalizeMode(opts.mode), checkOwner(opts.owner), backupPath, opts.allowSymlink ? '1' : '0', String(data.length), sum];
  const r = await conn.execScript(ATOMIC_WRITE_SCRIPT, args, { stdin: data, elevate: opts.elevate ?? false, timeoutMs: opts.timeoutMs ?? 120_000, maxOutputBytes: 64 * 1024 });
  const out = r.stdout.toString('utf8');
  const ok = /^HLOK (.*)$/m.exec(out);
  if (r.code !== 0 || !ok) throw parseWriteFailure(r.stderr.toString('utf8'), p, conn.profile.host);
  const kept = /^HLBACKUP (.*)$/m.exec(out);
  return { path: ok[1]!, backupPath: kept ? kept[1]! : null, bytes: data.length };
}
