import type { PlanWarning } from '../../../../shared/domain';
import type { DistroAdapter } from '../../distro/types';
import type { PlannedCommand, StepPlanDraft } from '../../engine/step';
import { hasEngine } from './audit';
import type { BenchRun } from '../../../../shared/docker-bench';
import { summariseBench } from './bench-parse';
import { planDaemonJson, type DaemonHardening, type DaemonKeyDecision } from './daemon-json';
import { DAEMON_JSON, type ContainersFacts } from './facts';
import { containerRisks } from './inspect';

/**
 * The containers step's plan as a pure function of the facts, the options
 * and what the step found out around the scan (ran it, can fetch it, or
 * cannot). Containers are never stopped or changed: risky ones are named in
 * warnings with what to change.
 */
export interface ContainersData {
  daemonChanged: boolean;
  decisions: DaemonKeyDecision[];
  /** dockerd was running when planned (so apply restarts it and verify asks it). */
  daemonRunning: boolean;
  /** Containers that were running and must still run after the restart (live-restore path). */
  keepRunning: string[];
  pidBefore: number | null;
  fetchBench: boolean;
  benchPath: string;
  bench?: BenchRun;
}

export type ScanOutcome =
  | { kind: 'not-requested' }
  | { kind: 'ran'; run: BenchRun }
  | { kind: 'failed'; message: string }
  | { kind: 'fetch'; commands: PlannedCommand[]; evidence: string }
  | { kind: 'unavailable'; instructions: string };

export function planContainers(facts: ContainersFacts, want: DaemonHardening, distro: Pick<DistroAdapter, 'reloadService' | 'restartService'>, scan: ScanOutcome, benchPath: string): StepPlanDraft<ContainersData> {
  const warnings: PlanWarning[] = [];
  const commands: PlannedCommand[] = [];
  const files: StepPlanDraft['files'] = [];
  const summary: string[] = [];
  const data: ContainersData = { daemonChanged: false, decisions: [], daemonRunning: facts.info !== null, keepRunning: [], pidBefore: facts.dockerd?.pid ?? null, fetchBench: false, benchPath };

  if (!hasEngine(facts)) {
    warnings.push({ kind: 'info', message: 'No container engine: neither docker nor podman is installed on this VM, so there is nothing to harden here.' });
    return { summary: 'No container engine on this VM: nothing to do.', files, commands, warnings, nothingToDo: true, data };
  }

  // Every risky running container, by name, with what to change. Never stopped automatically.
  for (const c of facts.containers) {
    for (const r of containerRisks(c)) warnings.push({ kind: 'info', message: `${r.message} ${r.fix}${c.engine === 'podman' ? ' (Podman)' : ''}` });
  }
  if (facts.containersError) warnings.push({ kind: 'info', message: `Running containers could not be listed: ${facts.containersError}.` });

  const docker = facts.dockerClient !== null || facts.info !== null;
  if (!docker) {
    warnings.push({ kind: 'info', message: `Only Podman ${facts.podmanVersion ?? ''} is installed: it has no daemon and no daemon.json; its defaults live in containers.conf.` });
    summary.push('Podman only: no daemon settings to change.');
  } else {
    const plan = planDaemonJson(facts.daemonJson, want, {
      flags: facts.dockerd?.argv ?? [],
      swarmActive: facts.info?.swarm === 'active',
      loggingDriver: facts.info?.loggingDriver ?? null,
    });
    data.decisions = plan.decisions;
    if (plan.error) warnings.push({ kind: 'info', message: `${plan.error} dockerd would not start with it either; fix the file by hand, then plan again.` });
    for (const d of plan.decisions.filter((x) => x.status === 'skipped')) warnings.push({ kind: 'info', message: `${d.key} is not changed: ${d.reason}.` });
    if (plan.after !== null) {
      data.daemonChanged = true;
      const set = plan.decisions.filter((d) => d.status === 'set');
      files.push({ path: DAEMON_JSON, before: facts.daemonJson, after: plan.after, mode: '0644' });
      summary.push(`Set ${set.map((d) => `${d.key} ${JSON.stringify(d.value)}`).join(', ')} in ${DAEMON_JSON} (other keys kept)`);
      if (facts.dockerdValidates) {
        commands.push({ argv: [facts.dockerdPath ?? 'dockerd', '--validate', '--config-file', DAEMON_JSON], elevated: true, why: 'Let dockerd check the new file before it is restarted with it.' });
      }
      if (facts.info) {
        const running = facts.containers.filter((c) => c.engine === 'docker').map((c) => c.name);
        const liveRestoreAfter = facts.info.liveRestore || set.some((d) => d.key === 'live-restore');
        const usernsNew = set.some((d) => d.key === 'userns-remap');
        if (running.length > 0 && liveRestoreAfter && !usernsNew) {
          data.keepRunning = running;
          if (!facts.info.liveRestore) {
            // live-restore is one of the few keys dockerd reloads on SIGHUP: turned on first, the restart below keeps containers running.
            // Optional: an init script without reload (some OpenRC ones) only costs the running containers a restart, which verify then reports.
            commands.push({ argv: distro.reloadService('docker'), elevated: true, optional: true, why: 'Reload dockerd (SIGHUP): it turns live-restore on now, so the restart that follows keeps the running containers up.' });
          }
          if (set.some((d) => d.key === 'icc')) {
            warnings.push({ kind: 'info', message: `icc false reaches the default bridge only when dockerd starts with no containers running (for example after a reboot): with live-restore, the running containers (${running.join(', ')}) keep the bridge as it is until then.` });
          }
        } else if (running.length > 0) {
          warnings.push({ kind: 'breaks-docker', message: `Restarting dockerd stops the running containers ${running.join(', ')}; only those with a restart policy start again.` });
        }
        if (usernsNew) {
          warnings.push({
            kind: 'breaks-docker',
            message: `userns-remap moves Docker to a new storage root (${facts.info.dockerRootDir}/<uid>.<gid>): the existing ${facts.info.containersRunning} running container(s) and all images disappear from docker until it is turned off, and bind-mounted files owned by root become unwritable inside containers.`,
          });
        }
        // Almost every daemon.json key (icc, no-new-privileges, userns-remap, userland-proxy, log options) is read only at start.
        commands.push({ argv: distro.restartService('docker'), elevated: true, why: 'Restart dockerd: it reads these settings only when it starts.', timeoutMs: 3 * 60_000 });
      } else {
        warnings.push({ kind: 'info', message: 'dockerd is not running: the new settings take effect when it next starts.' });
      }
    } else if (!plan.error) {
      summary.push('daemon.json already has the hardened settings');
    }
  }

  switch (scan.kind) {
    case 'ran': {
      data.bench = scan.run;
      const r = scan.run.report;
      warnings.push({
        kind: 'info',
        message: `docker-bench-security ${r.version ?? ''} (CIS Docker Benchmark ${r.benchmark ?? '?'}) ran in ${Math.round(scan.run.durationMs / 1000)} s: ${r.counts.WARN} WARN, ${r.counts.PASS} PASS, ${r.counts.INFO} INFO, ${r.counts.NOTE} NOTE${r.score !== null ? `, score ${r.score}` : ''}. Read the host configuration first.`,
      });
      for (const line of summariseBench(r)) warnings.push({ kind: 'info', message: `docker-bench-security ${line}` });
      break;
    }
    case 'failed':
      warnings.push({ kind: 'info', message: `docker-bench-security did not run: ${scan.message}` });
      break;
    case 'fetch':
      data.fetchBench = true;
      commands.push(...scan.commands);
      summary.push('fetch docker-bench-security (plan again after applying to run it)');
      warnings.push({ kind: 'needs-network', message: `Fetching docker-bench-security needs the VM to reach GitHub (${scan.evidence}).` });
      break;
    case 'unavailable':
      warnings.push({ kind: 'info', message: scan.instructions });
      break;
    case 'not-requested':
      break;
  }

  const nothingToDo = files.length === 0 && commands.length === 0;
  return {
    summary: nothingToDo ? `${summary.join('; ') || 'Nothing to change'}.` : `${summary.join('; ')}.`,
    files,
    commands,
    warnings,
    nothingToDo,
    data,
    ...(data.bench ? { reports: [{ kind: 'docker-bench' as const, run: data.bench }] } : {}),
  };
}
