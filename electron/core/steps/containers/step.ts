import { z } from 'zod';
import { toErrorInfo } from '../../errors';
import type { StepContext, StepDefinition, VerifyCheck } from '../../engine/step';
import { auditContainers } from './audit';
import { benchManualInstructions, fetchBenchCommands, githubReachable, isSafeBenchPath, runDockerBench } from './bench-run';
import { DAEMON_JSON, DEFAULT_BENCH_SCRIPT, parseBridgeIcc, parseDockerInfo, probeContainers, containersState, type ContainersFacts } from './facts';
import { planContainers, type ContainersData, type ScanOutcome } from './plan';
import { optionFieldsFrom } from '../option-fields';

/**
 * Containers: no privileged containers, a hardened dockerd, and the
 * docker-bench-security scan (the guide's practices 3 and 4, one step).
 * Running containers are reported, never stopped or changed; daemon.json is
 * merged (unknown keys kept), dockerd restarted, and the result read back
 * from dockerd itself.
 */
export const containersOptions = z
  .object({
    noNewPrivileges: z.boolean().default(true),
    disableIcc: z.boolean().default(true),
    liveRestore: z.boolean().default(true),
    disableUserlandProxy: z.boolean().default(true),
    limitLogs: z.boolean().default(true),
    usernsRemap: z.boolean().default(false),
    runScan: z.boolean().default(false),
    benchPath: z
      .string()
      .refine(isSafeBenchPath, 'must be an absolute path to a .sh file made of letters, digits, ".", "_", "-" and "/", without ".."')
      .optional(),
  })
  .strict();
export type ContainersOptions = z.infer<typeof containersOptions>;

async function scanOutcome(facts: ContainersFacts, options: ContainersOptions, ctx: StepContext): Promise<ScanOutcome> {
  if (!options.runScan) return { kind: 'not-requested' };
  const path = options.benchPath ?? DEFAULT_BENCH_SCRIPT;
  const present = path === DEFAULT_BENCH_SCRIPT ? facts.benchScriptPresent : (await ctx.target.exec(['test', '-f', path], { elevate: true })).code === 0;
  if (present) {
    if (!facts.info) return { kind: 'failed', message: 'it needs a running dockerd, and dockerd does not answer.' };
    if (!facts.tools.includes('bash')) return { kind: 'failed', message: 'it is a bash script and the VM has no bash (Alpine: apk add bash).' };
    ctx.log(`Running docker-bench-security (${path}); under emulation this takes a few minutes.`);
    try {
      const run = await runDockerBench(ctx.target, path, { signal: ctx.signal });
      ctx.log(`docker-bench-security finished in ${Math.round(run.durationMs / 1000)} s.`);
      return { kind: 'ran', run };
    } catch (e) {
      return { kind: 'failed', message: toErrorInfo(e).message };
    }
  }
  if (path === DEFAULT_BENCH_SCRIPT) {
    const net = await githubReachable(ctx.target, facts.tools);
    const commands = net.reachable ? fetchBenchCommands(facts.tools) : null;
    if (commands) return { kind: 'fetch', commands, evidence: net.evidence };
    ctx.log(`GitHub is not reachable from the VM: ${net.evidence}`);
  }
  return { kind: 'unavailable', instructions: benchManualInstructions(ctx.profile, path) };
}

/**
 * A container created (never started) from a local image shows what dockerd
 * now gives new containers: its log configuration (docker inspect) and
 * no-new-privileges (kept only in dockerd's own config.v2.json). Exit 4: no
 * local image to create one from.
 */
const PROBE_CONTAINER_SCRIPT = [
  'img=$(docker images -q | head -n1); [ -n "$img" ] || exit 4',
  'id=$(docker create --network none "$img") || exit 5',
  'trap \'docker rm -f "$id" >/dev/null 2>&1\' EXIT',
  'docker inspect --format "{{json .HostConfig.LogConfig}}" "$id"',
  'root=$(docker info --format "{{.DockerRootDir}}")',
  'grep -o \'"NoNewPrivileges":[a-z]*\' "$root/containers/$id/config.v2.json"',
].join('\n');

async function verifyDaemon(d: ContainersData, ctx: StepContext): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  const set = new Map(d.decisions.filter((x) => x.status === 'set').map((x) => [x.key, x.value]));
  const r = await ctx.target.probe(
    {
      info: ['docker', 'info', '--format', '{{json .}}'],
      pid: ['sh', '-c', 'cat /var/run/docker.pid 2>/dev/null || pidof -s dockerd'],
      bridge: ['docker', 'network', 'inspect', 'bridge', '--format', '{{json .Options}}'],
      running: ['docker', 'ps', '--format', '{{.Names}}'],
      file: ['cat', DAEMON_JSON],
    },
    { elevate: true, timeoutMs: 60_000 },
  );
  const info = r.info.code === 0 ? parseDockerInfo(r.info.stdout) : null;
  const pid = Number(r.pid.stdout.trim()) || null;
  checks.push({ name: `${DAEMON_JSON} holds the new settings`, ok: r.file.code === 0 && [...set.keys()].every((k) => r.file.stdout.includes(`"${k}"`)), evidence: [...set.keys()].join(', ') });
  checks.push({
    name: 'dockerd answers after the restart',
    ok: info !== null,
    evidence: info ? `docker info: server ${info.serverVersion}, pid ${pid ?? '?'}` : `docker info failed: ${(r.info.stderr ?? r.info.stdout).trim().slice(0, 200) || `exit ${r.info.code}`}`,
  });
  if (!info) return checks;
  checks.push({ name: 'dockerd was restarted, so it read the new file', ok: pid !== null && pid !== d.pidBefore, evidence: `pid ${d.pidBefore ?? '?'} before, ${pid ?? '?'} now` });
  if (set.has('live-restore')) checks.push({ name: 'live-restore is on', ok: info.liveRestore, evidence: `LiveRestoreEnabled=${info.liveRestore}` });
  if (set.has('userns-remap')) {
    const on = info.securityOptions.some((o) => o.startsWith('name=userns'));
    checks.push({ name: 'user namespaces are remapped', ok: on, evidence: `SecurityOptions: ${info.securityOptions.join(' ')}` });
  }
  if (set.has('icc')) {
    const icc = r.bridge.code === 0 ? parseBridgeIcc(r.bridge.stdout) : null;
    // With live-restore the bridge of running containers is kept: icc=false then waits for a start without containers.
    const pending = icc === true && d.keepRunning.length > 0;
    checks.push({
      name: 'The default bridge forbids traffic between containers',
      ok: icc === false || pending,
      evidence: icc === false ? 'enable_icc=false' : pending ? `enable_icc is still true: the bridge was kept for ${d.keepRunning.join(', ')} (live-restore); it changes when dockerd next starts with no containers` : `enable_icc=${String(icc)}`,
    });
  }
  if (d.keepRunning.length > 0) {
    const now = new Set(r.running.stdout.split('\n').map((s) => s.trim()).filter(Boolean));
    const lost = d.keepRunning.filter((n) => !now.has(n));
    checks.push({ name: 'Containers running before still run (live-restore)', ok: lost.length === 0, evidence: lost.length ? `stopped: ${lost.join(', ')}` : `still running: ${d.keepRunning.join(', ')}` });
  }
  if (set.has('no-new-privileges') || set.has('log-opts')) {
    const p = await ctx.target.exec(['sh', '-c', PROBE_CONTAINER_SCRIPT], { elevate: true, timeoutMs: 120_000 });
    if (p.code === 4 || p.code === 5) {
      const why = p.code === 4 ? 'no local image to create a test container from' : `docker create failed: ${p.stderr.trim().slice(0, 200)}`;
      checks.push({ name: 'New containers get the hardened defaults', ok: true, evidence: `not observable (${why}); dockerd accepted the file and restarted` });
    } else {
      const [logLine = '', nnpLine = ''] = p.stdout.trim().split('\n');
      if (set.has('log-opts')) {
        const ok = /"max-size":"[^"]+"/.test(logLine);
        checks.push({ name: 'New containers get a log size limit', ok, evidence: `LogConfig of a test container: ${logLine || p.stderr.trim()}` });
      }
      if (set.has('no-new-privileges')) {
        checks.push({ name: 'New containers get no-new-privileges', ok: nnpLine === '"NoNewPrivileges":true', evidence: `config.v2.json of a test container: ${nnpLine || p.stderr.trim() || `exit ${p.code}`}` });
      }
    }
  }
  return checks;
}

export const containersStep: StepDefinition<ContainersFacts, ContainersOptions, ContainersData> = {
  id: 'containers',
  title: 'Containers: no privileged containers, a hardened Docker daemon, a security scan',
  summary: 'Find containers that can reach the host (privileged, host namespaces, the Docker socket), harden daemon.json, and run docker-bench-security.',
  why: 'A container shares the host kernel. A --privileged container, one with the Docker socket or the host\'s namespaces, is the host: escaping it takes nothing. The daemon\'s defaults let containers gain privileges and talk to each other freely, and docker-bench-security checks the rest of the CIS Docker Benchmark, starting with the host configuration.',
  guideOrder: 35,
  readOnly: false,
  options: containersOptions,
  optionFields: optionFieldsFrom(containersOptions, {
    noNewPrivileges: { label: 'no-new-privileges', help: 'Processes in containers cannot gain privileges through setuid binaries.' },
    disableIcc: { label: 'No traffic between containers on the default bridge (icc false)', help: 'Containers that must talk use a user-defined network.' },
    liveRestore: { label: 'live-restore', help: 'Containers keep running while dockerd restarts or upgrades.' },
    disableUserlandProxy: { label: 'No userland proxy', help: 'Published ports use NAT rules instead of a docker-proxy process running as root.' },
    limitLogs: { label: 'Limit container log size', help: 'max-size 10m, max-file 3 for the json-file and local drivers.' },
    usernsRemap: { label: 'Remap container root to an unprivileged user (userns-remap)', help: 'Strong, but Docker moves to a new storage root: existing images and containers disappear until it is turned off.' },
    runScan: { label: 'Run docker-bench-security', help: 'Runs the script when it is on the VM; fetches it when the VM reaches GitHub; otherwise says how to copy it there.' },
    benchPath: { label: 'docker-bench-security.sh on the VM', help: `Default ${DEFAULT_BENCH_SCRIPT}.` },
  }),
  applyTimeoutMs: 10 * 60_000,

  facts: [containersState],
  probe: probeContainers,

  async plan(facts, options, ctx) {
    const scan = await scanOutcome(facts, options, ctx);
    return planContainers(facts, options, ctx.distro, scan, options.benchPath ?? DEFAULT_BENCH_SCRIPT);
  },

  async verify(draft, ctx): Promise<VerifyCheck[]> {
    const d = draft.data!;
    const checks: VerifyCheck[] = [];
    if (d.daemonChanged) {
      if (d.daemonRunning) checks.push(...(await verifyDaemon(d, ctx)));
      else {
        const now = await ctx.target.readFile(DAEMON_JSON, { elevate: true });
        const wanted = draft.files.find((f) => f.path === DAEMON_JSON)?.after ?? null;
        checks.push({ name: `${DAEMON_JSON} holds the new settings (dockerd is not running)`, ok: now === wanted, evidence: now === wanted ? 'identical to the plan' : 'differs from the plan' });
      }
    }
    if (d.fetchBench) {
      const r = await ctx.target.exec(['test', '-f', d.benchPath], { elevate: true });
      checks.push({ name: 'docker-bench-security is on the VM', ok: r.code === 0, evidence: r.code === 0 ? d.benchPath : `${d.benchPath} is missing after the fetch` });
    }
    return checks;
  },

  audit: auditContainers,
};
