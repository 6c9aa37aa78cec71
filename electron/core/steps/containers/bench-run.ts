import { HardenLabError } from '../../errors';
import type { PlannedCommand } from '../../engine/step';
import type { Target } from '../../engine/target';
import { parseDockerBench } from './bench-parse';
import type { BenchRun } from '../../../../shared/docker-bench';
import { DEFAULT_BENCH_DIR } from './facts';

/**
 * docker-bench-security on the VM: run it when it is there, fetch it when the
 * VM can reach GitHub, and otherwise say how to bring it. It is a shell
 * script (not a package in Debian or Alpine), run as root from its own
 * directory because it sources ./functions/*.sh.
 */
export const BENCH_REPO = 'https://github.com/docker/docker-bench-security.git';
/** A release tag, not master: the script runs as root, so it is pinned to a reviewed version. */
export const BENCH_TAG = 'v1.6.0';
export const BENCH_TARBALL = `https://github.com/docker/docker-bench-security/archive/refs/tags/${BENCH_TAG}.tar.gz`;

/** Absolute path to a .sh file, no "..", no characters a shell or a person would misread. */
export const BENCH_PATH_PATTERN = /^\/(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]+\.sh$/;
export function isSafeBenchPath(p: string): boolean {
  return BENCH_PATH_PATTERN.test(p) && !p.split('/').includes('..');
}

export async function runDockerBench(target: Target, scriptPath: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<BenchRun> {
  if (!isSafeBenchPath(scriptPath)) throw new HardenLabError('BAD_INPUT', `${JSON.stringify(scriptPath)} is not an absolute path to a .sh file.`);
  const t0 = Date.now();
  // -b: no colours; -p: print remediation (Section B), which the parser attaches to each check.
  const r = await target.exec(['sh', '-c', 'cd "$(dirname "$1")" && exec bash "./$(basename "$1")" -b -p', 'sh', scriptPath], {
    elevate: true,
    timeoutMs: opts.timeoutMs ?? 20 * 60_000,
    maxOutputBytes: 4 * 1024 * 1024,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const report = parseDockerBench(r.stdout);
  if (report.sections.length === 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-6).join(' / ');
    throw new HardenLabError('REMOTE_COMMAND_FAILED', `docker-bench-security printed no results (exit ${r.code ?? r.signal}).`, {
      detail: tail,
      hint: /docker daemon/i.test(tail) ? 'It needs a running dockerd: start Docker and try again.' : `Its output ends with: ${tail || 'nothing'}`,
    });
  }
  return { scriptPath, exitCode: r.code, durationMs: Date.now() - t0, report };
}

/** Whether the VM reaches github.com:443 within 5 s, with whatever tool it has. Never throws. */
export async function githubReachable(target: Target, tools: readonly string[]): Promise<{ reachable: boolean; evidence: string }> {
  let argv: string[] | null = null;
  if (tools.includes('bash') && tools.includes('timeout')) argv = ['timeout', '5', 'bash', '-c', 'exec 3<>/dev/tcp/github.com/443'];
  else if (tools.includes('nc')) argv = ['nc', '-z', '-w', '5', 'github.com', '443'];
  else if (tools.includes('curl')) argv = ['curl', '-sS', '-m', '5', '-o', '/dev/null', '-I', 'https://github.com'];
  if (!argv) return { reachable: false, evidence: 'the VM has none of bash+timeout, nc or curl to test a connection' };
  const r = await target.exec(argv, { timeoutMs: 15_000 }).catch((e: unknown) => ({ code: -1, stderr: String(e), stdout: '' }));
  return {
    reachable: r.code === 0,
    evidence: r.code === 0 ? `\`${argv.join(' ')}\` connected` : `\`${argv.join(' ')}\` failed (exit ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`,
  };
}

/** Planned commands that fetch the pinned release into DEFAULT_BENCH_DIR, or null when the VM has no tool for it. */
export function fetchBenchCommands(tools: readonly string[]): PlannedCommand[] | null {
  const why = `Fetch docker-bench-security ${BENCH_TAG} from GitHub into ${DEFAULT_BENCH_DIR}.`;
  if (tools.includes('git')) {
    return [{ argv: ['git', 'clone', '--quiet', '--depth', '1', '--branch', BENCH_TAG, BENCH_REPO, DEFAULT_BENCH_DIR], elevated: true, why, timeoutMs: 5 * 60_000 }];
  }
  const getter = tools.includes('curl') ? 'curl -fsSL "$2"' : tools.includes('wget') ? 'wget -qO- "$2"' : null;
  if (!getter || !tools.includes('tar')) return null;
  return [{ argv: ['sh', '-c', `set -e; mkdir -p "$1"; ${getter} | tar -xz -C "$1" --strip-components=1`, 'sh', DEFAULT_BENCH_DIR, BENCH_TARBALL], elevated: true, why, timeoutMs: 5 * 60_000 }];
}

/** What to tell someone whose VM cannot fetch the script itself. */
export function benchManualInstructions(profile: { user: string; host: string; port: number }, scriptPath: string): string {
  const dir = scriptPath.replace(/\/[^/]+$/, '');
  return (
    `docker-bench-security is not on the VM (${scriptPath}) and the VM cannot reach GitHub. On a machine that can: ` +
    `\`git clone --depth 1 --branch ${BENCH_TAG} ${BENCH_REPO}\`, then copy the folder to the VM ` +
    `(\`scp -P ${profile.port} -r docker-bench-security ${profile.user}@${profile.host}:/tmp/\`) and move it into place ` +
    `(\`hardenlab exec --profile NAME --sudo -- mv /tmp/docker-bench-security ${dir}\`, or the same over ssh). ` +
    'It needs bash on the VM. Or point the option "benchPath" at a copy that is already there, and plan again.'
  );
}
