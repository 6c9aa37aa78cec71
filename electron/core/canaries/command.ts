import type { Canary } from '../../../shared/canary';

/**
 * How a canary runs on the VM: one argv array (quoted by shared/quote.ts in
 * the SSH layer). Values the operator typed arrive as positional arguments
 * of fixed scripts ("$1", "$2"), never as part of a script's text, so a
 * metacharacter in them reaches the program literally.
 */
export interface CanaryCommand {
  argv: string[];
  elevate: boolean;
  /** Our own deadline for the SSH exec: the VM-side `timeout` plus room for it to kill and report. */
  timeoutMs: number;
}

/** The VM-side timeout kills the canary's process tree; exit 124 (137 after -k) then means "did not finish in time". */
export const TIMED_OUT_CODES = [124, 137];

function bounded(seconds: number, argv: string[]): string[] {
  return ['timeout', '-k', '2', String(seconds), ...argv];
}

// bash's /dev/tcp first (Debian's minimal images have no nc, curl or wget), then nc.
const TCP_SCRIPT = `if command -v bash >/dev/null 2>&1; then exec bash -c 'exec 3<>"/dev/tcp/$1/$2" && echo "connected to $1:$2"' canary "$1" "$2"
elif command -v nc >/dev/null 2>&1; then nc -z -w "$3" "$1" "$2" </dev/null && echo "connected to $1:$2"
else echo "the VM has neither bash nor nc to open a TCP connection" >&2; exit 127; fi`;

/**
 * curl, then wget (busybox's too), then a plain HTTP/1.0 request over
 * bash's /dev/tcp. Each prints the body and then one last line
 * "HLSTATUS <code>", which judge.ts reads.
 */
const HTTP_SCRIPT = `url=$1 host=$2 port=$3 path=$4 scheme=$5
if command -v curl >/dev/null 2>&1; then
  curl -sS -o - -w '\\nHLSTATUS %{http_code}\\n' -- "$url"
elif command -v wget >/dev/null 2>&1; then
  hdr=$(mktemp) || exit 1
  body=$(wget -S -O - -- "$url" 2>"$hdr"); rc=$?
  code=$(sed -n 's/^ *HTTP\\/[0-9.]* \\([0-9][0-9][0-9]\\).*/\\1/p' "$hdr" | tail -n 1); rm -f "$hdr"
  printf '%s\\nHLSTATUS %s\\n' "$body" "\${code:-000}"; [ -n "$code" ] || exit "$rc"
elif [ "$scheme" = http ] && command -v bash >/dev/null 2>&1; then
  exec bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 7
    printf "GET %s HTTP/1.0\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n" "$3" "$1" >&3
    cr=$(printf "\\r")
    { IFS= read -r status; while IFS= read -r line && [ "\${line%"$cr"}" != "" ]; do :; done; cat; } <&3
    set -- $status; printf "\\nHLSTATUS %s\\n" "\${2:-000}"' canary "$host" "$port" "$path"
else echo "the VM has no curl or wget to fetch $url" >&2; exit 127; fi`;

const SERVICE_SCRIPT = `if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl is-active -- "$1"
elif command -v rc-service >/dev/null 2>&1; then rc-service -- "$1" status
else echo "the VM has neither systemd nor OpenRC to ask about $1" >&2; exit 127; fi`;

export function canaryCommand(c: Exclude<Canary, { kind: 'tcp'; from: 'host' }>): CanaryCommand {
  const timeoutMs = (c.timeoutSec + 5) * 1000;
  switch (c.kind) {
    case 'command':
      return { argv: bounded(c.timeoutSec, c.argv), elevate: c.elevated, timeoutMs };
    case 'tcp':
      return { argv: bounded(c.timeoutSec, ['sh', '-c', TCP_SCRIPT, 'canary', c.host, String(c.port), String(c.timeoutSec)]), elevate: false, timeoutMs };
    case 'http': {
      const u = new URL(c.url);
      const port = u.port || (u.protocol === 'https:' ? '443' : '80');
      return {
        argv: bounded(c.timeoutSec, ['sh', '-c', HTTP_SCRIPT, 'canary', c.url, u.hostname, port, `${u.pathname}${u.search}`, u.protocol.slice(0, -1)]),
        elevate: false,
        timeoutMs,
      };
    }
    case 'service':
      return { argv: bounded(c.timeoutSec, ['sh', '-c', SERVICE_SCRIPT, 'canary', c.unit]), elevate: false, timeoutMs };
    case 'container':
      // Root: the engine's socket is root's, and rootless engines are the operator's own command canary.
      return c.container
        ? { argv: bounded(c.timeoutSec, [c.engine, 'inspect', '--format', '{{.State.Status}}', c.container]), elevate: true, timeoutMs }
        : { argv: bounded(c.timeoutSec, [c.engine, 'run', '--rm', '--pull', 'never', c.image!, ...c.argv]), elevate: true, timeoutMs };
  }
}
