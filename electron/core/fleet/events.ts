import type { FleetHost, FleetRun } from '../../../shared/fleet';
import { unifiedDiff } from '../../../shared/diff';

/**
 * What a rollout did, read from Ansible's own account of it: the events of
 * the ansible.posix.jsonl callback, one JSON object a line, folded into one
 * row per host. Pure, tested on recorded output; rollout.ts feeds it lines
 * as Ansible prints them, which is what makes the live table live.
 */
export interface RolloutState {
  batch: number;
  hosts: Map<string, FleetHost>;
  /** Ansible's final counts, once the play ended. */
  stats: Record<string, { changed: number; failures: number; unreachable: number; rescued: number }> | null;
}

export function newRollout(hosts: readonly string[]): RolloutState {
  return { batch: 0, hosts: new Map(hosts.map((name) => [name, emptyRow(name)])), stats: null };
}

function emptyRow(name: string): FleetHost {
  return { name, batch: null, status: 'waiting', changed: 0, proofs: { held: 0, failed: [] }, diffs: [] };
}

type Result = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const PROVE = /^\[[^\]]+\] prove (.*)$/;
const SWITCH_REPORT = /^\[[^\]]+\] what the switch did$/;
const RESTORED = /^\[[^\]]+\] restored by the dead-man's switch$/;
const TASK_PATH = /^\[[^\]]+\] (\/\S+)$/;

function diffsOf(task: string, r: Result): FleetHost['diffs'] {
  const raw = Array.isArray(r.diff) ? r.diff : r.diff ? [r.diff] : [];
  return raw.flatMap((d: Result) => {
    const before = str(d.before);
    const after = str(d.after);
    if (before === undefined || after === undefined || before === after) return [];
    // In check mode Ansible names a temporary file as the "after" side: our task names carry the real path.
    const path = str(r.dest) ?? str(r.path) ?? TASK_PATH.exec(task)?.[1] ?? str(d.after_header) ?? task;
    return [{ task, path, diff: unifiedDiff(path, before === '' ? null : before, after) }];
  });
}

/** Folds one line of the jsonl callback in; returns the names of the hosts whose row changed. */
export function applyEvent(state: RolloutState, line: string): string[] {
  let ev: Result;
  try {
    ev = JSON.parse(line) as Result;
  } catch {
    return [];
  }
  const kind = str(ev._event) ?? '';
  if (kind === 'v2_playbook_on_play_start') {
    // With `serial`, Ansible starts the play again for every batch.
    state.batch++;
    return [];
  }
  if (kind === 'v2_playbook_on_stats') {
    state.stats = (ev.stats ?? {}) as RolloutState['stats'];
    return [...state.hosts.keys()];
  }
  const m = /^v2_runner_on_(ok|failed|unreachable)$/.exec(kind);
  if (!m) return [];
  const task = str((ev.task as Result | undefined)?.name) ?? '';
  const touched: string[] = [];
  for (const [name, r] of Object.entries((ev.hosts ?? {}) as Record<string, Result>)) {
    const row = state.hosts.get(name) ?? emptyRow(name);
    state.hosts.set(name, row);
    row.batch ??= state.batch;
    if (row.status === 'waiting') row.status = 'running';
    const proof = PROVE.exec(task)?.[1];
    if (m[1] === 'ok') {
      if (r.changed === true) row.changed++;
      if (proof) row.proofs.held++;
      if (SWITCH_REPORT.test(task)) row.restored = str(r.stdout)?.trim() ?? '';
      row.diffs.push(...diffsOf(task, r));
    } else if (m[1] === 'failed') {
      if (proof) row.proofs.failed.push(proof);
      if (RESTORED.test(task)) row.status = 'restored';
      // The first failure is the cause; the rescue's own "fail" only reports it.
      else row.failure ??= { task, message: (str(r.msg) || str(r.stderr) || '').slice(0, 2000) };
    } else {
      row.failure ??= { task, message: (str(r.msg) ?? 'unreachable').slice(0, 2000) };
    }
    touched.push(name);
  }
  return touched;
}

/** The rows as the run ended: Ansible's counts decide; a host whose batch never came did not run. */
export function finishRollout(state: RolloutState): Pick<FleetRun, 'hosts' | 'outcome' | 'stoppedAfterBatch'> {
  const hosts = [...state.hosts.values()].map((row) => {
    const s = state.stats?.[row.name];
    if (row.status === 'restored') return row;
    if (row.status === 'waiting') return { ...row, status: 'not-run' as const };
    if (!s) return { ...row, status: 'failed' as const, failure: row.failure ?? { task: '', message: 'Ansible ended before this host finished.' } };
    const status = s.failures > 0 ? 'failed' : s.unreachable > 0 ? 'unreachable' : s.changed > 0 ? 'changed' : 'unchanged';
    return { ...row, status } as FleetHost;
  });
  const bad = hosts.filter((h) => h.status === 'failed' || h.status === 'restored' || h.status === 'unreachable');
  if (bad.length === 0) return { hosts, outcome: 'done' };
  const notRun = hosts.some((h) => h.status === 'not-run');
  return { hosts, outcome: notRun ? 'stopped' : 'failed', ...(notRun ? { stoppedAfterBatch: Math.max(...bad.map((h) => h.batch ?? 0)) } : {}) };
}
