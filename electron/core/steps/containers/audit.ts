import type { AuditCheckDraft } from '../../engine/step';
import { parseDaemonJson, settingState } from './daemon-json';
import type { ContainersFacts } from './facts';
import { auditRulesCheck, AUDITED_PATHS, dockerGroupCheck, filePermissionsCheck, separatePartitionCheck } from './host-checks';
import { containerRisks, type RiskKind } from './inspect';

/** The containers step's audit, from the probe facts alone. Pure. */

const CONTAINER_CHECKS: Array<{ id: string; title: string; kinds: RiskKind[]; none: string }> = [
  { id: 'containers.no-privileged', title: 'No container runs --privileged', kinds: ['privileged'], none: 'none privileged' },
  { id: 'containers.no-docker-sock', title: 'No container has the Docker (or another engine\'s) socket mounted', kinds: ['engine-socket'], none: 'none has an engine socket' },
  { id: 'containers.no-host-namespaces', title: 'No container shares the host\'s network, PID, IPC, UTS or user namespace', kinds: ['host-network', 'host-pid', 'host-ipc', 'host-uts', 'userns-host'], none: 'none shares a host namespace' },
  { id: 'containers.no-unconfined-profiles', title: 'No container turns AppArmor or seccomp off', kinds: ['apparmor-unconfined', 'seccomp-unconfined'], none: 'none unconfined' },
  { id: 'containers.no-dangerous-capabilities', title: 'No container adds capabilities that undo isolation', kinds: ['dangerous-capability'], none: 'none adds SYS_ADMIN, SYS_MODULE and the like' },
  { id: 'containers.no-sensitive-mounts', title: 'No container mounts /, /etc, /proc, /sys or similar host directories', kinds: ['sensitive-mount'], none: 'none mounts a sensitive host directory' },
];

const DAEMON_CHECKS: Array<{ id: string; title: string; key: string; good: (v: unknown) => boolean }> = [
  { id: 'containers.daemon-no-new-privileges', title: 'dockerd starts containers with no-new-privileges', key: 'no-new-privileges', good: (v) => v === true },
  { id: 'containers.daemon-icc', title: 'Containers on the default bridge cannot talk to each other (icc false)', key: 'icc', good: (v) => v === false },
  { id: 'containers.daemon-live-restore', title: 'Containers keep running while dockerd restarts (live-restore)', key: 'live-restore', good: (v) => v === true },
  { id: 'containers.daemon-userland-proxy', title: 'The userland proxy is off (NAT rules instead of a root proxy process per port)', key: 'userland-proxy', good: (v) => v === false },
  { id: 'containers.daemon-userns', title: 'Containers\' root is remapped to an unprivileged host user (userns-remap)', key: 'userns-remap', good: (v) => typeof v === 'string' && v !== '' },
];

export function hasEngine(f: ContainersFacts): boolean {
  return f.dockerClient !== null || f.info !== null || f.podmanVersion !== null;
}

export function auditContainers(f: ContainersFacts): AuditCheckDraft[] {
  if (!hasEngine(f)) {
    const evidence = 'no container engine (neither docker nor podman) on this VM';
    return [...CONTAINER_CHECKS.map((c) => ({ id: c.id, title: c.title, status: 'skip' as const, evidence })), ...DAEMON_CHECKS.map((c) => ({ id: c.id, title: c.title, status: 'skip' as const, evidence }))];
  }
  const checks: AuditCheckDraft[] = [];
  const risks = f.containers.flatMap(containerRisks);
  for (const c of CONTAINER_CHECKS) {
    if (f.containersError) {
      checks.push({ id: c.id, title: c.title, status: 'skip', evidence: f.containersError });
      continue;
    }
    const hits = risks.filter((r) => c.kinds.includes(r.kind));
    checks.push({
      id: c.id,
      title: c.title,
      status: hits.length ? 'fail' : 'pass',
      evidence: hits.length
        ? hits.map((r) => `${r.container}: ${r.evidence}`).join('; ')
        : `${f.containers.length} running container${f.containers.length === 1 ? '' : 's'} checked${f.containers.length ? `: ${c.none}` : ''}`,
    });
  }

  if (f.dockerClient === null && f.info === null) {
    const evidence = 'Docker is not installed (Podman has no daemon.json)';
    for (const c of DAEMON_CHECKS) checks.push({ id: c.id, title: c.title, status: 'skip', evidence });
    checks.push({ id: 'containers.daemon-log-limits', title: 'Container logs have a size limit', status: 'skip', evidence });
  } else {
    const parsed = parseDaemonJson(f.daemonJson);
    const config = parsed.ok ? parsed.value : {};
    const flags = f.dockerd?.argv ?? [];
    for (const c of DAEMON_CHECKS) {
      const s = settingState(config, flags, c.key);
      let ok = c.good(s.value);
      let evidence = `${c.key}: ${JSON.stringify(s.value)} (${s.source === 'default' ? "dockerd's default" : s.source === 'flag' ? "dockerd's command line" : 'daemon.json'})`;
      if (!parsed.ok) evidence += `; daemon.json is unreadable: ${parsed.error}`;
      // Where dockerd shows what it really runs with, that wins over the file.
      if (c.key === 'live-restore' && f.info) {
        ok = f.info.liveRestore;
        evidence += `; docker info: LiveRestoreEnabled=${f.info.liveRestore}`;
      }
      if (c.key === 'userns-remap' && f.info) {
        const on = f.info.securityOptions.some((o) => o === 'name=userns' || o.startsWith('name=userns,'));
        ok = on;
        evidence += `; docker info SecurityOptions: ${f.info.securityOptions.join(' ')}`;
      }
      if (c.key === 'icc' && f.bridgeIcc !== null) {
        if (ok && f.bridgeIcc) evidence += '; but the default bridge still has enable_icc=true (it was kept for containers that ran across a live-restore restart; it changes when dockerd starts with no containers running, e.g. after a reboot)';
        else evidence += `; default bridge: enable_icc=${f.bridgeIcc}`;
        ok = !f.bridgeIcc;
      }
      checks.push({ id: c.id, title: c.title, status: ok ? 'pass' : 'fail', evidence });
    }
    const driver = settingState(config, flags, 'log-driver');
    const driverName = driver.source === 'default' ? (f.info?.loggingDriver ?? 'json-file') : String(driver.value);
    const opts = settingState(config, flags, 'log-opts');
    const limited = opts.value !== null && typeof opts.value === 'object' && typeof (opts.value as Record<string, unknown>)['max-size'] === 'string';
    const local = driverName === 'json-file' || driverName === 'local';
    checks.push({
      id: 'containers.daemon-log-limits',
      title: 'Container logs have a size limit',
      status: !local || limited ? 'pass' : 'fail',
      evidence: !local ? `logs go to the ${driverName} driver, not to growing files on this disk` : `log driver ${driverName}, log-opts ${JSON.stringify(opts.value)}`,
    });
  }

  checks.push(
    f.info
      ? separatePartitionCheck(f.mountPoints, f.info.dockerRootDir, f.info.securityOptions.some((o) => o.startsWith('name=userns')))
      : { id: 'containers.host-docker-partition', title: '/var/lib/docker is a separate file system', status: 'skip', evidence: 'dockerd is not running, so its data directory is unknown' },
  );
  checks.push(dockerGroupCheck(f.dockerGroup, f.adminGroups));
  checks.push(auditRulesCheck({ auditctlPresent: f.auditctlPresent, rules: f.auditRules, existing: AUDITED_PATHS.filter((p) => f.stats[p]) }));
  checks.push(filePermissionsCheck(new Map(Object.entries(f.stats))));
  return checks;
}
