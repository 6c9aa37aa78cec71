import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { FleetHost, FleetRun } from '../../../shared/fleet';
import { writeFileAtomic } from '../atomic-file';
import { HardenLabError } from '../errors';
import { run, which } from '../proc';
import { inventoryOrder, parseListHosts, planBatches, type Serial } from './batches';
import type { FleetChange } from './changes';
import { applyEvent, finishRollout, newRollout } from './events';
import { exportFleet, type ExportMeta } from './export';

/**
 * The staged rollout: Harden Lab writes the playbook, asks Ansible which
 * hosts it would run and in which order, runs it (`--check --diff` for the
 * plan, then for real in `serial` batches with `max_fail_percentage: 0`),
 * and reads Ansible's events as they come. Ansible is the engine: it logs in,
 * elevates, copies and reports; nothing here talks to a host.
 *
 * Inventories are read as INI or YAML only (ANSIBLE_INVENTORY_ENABLED): an
 * executable inventory would be a program Ansible runs, and a request from
 * the UI must never make this machine run one. Host keys are checked
 * (ANSIBLE_HOST_KEY_CHECKING): an unknown or changed key fails that host.
 */
export const FLEET_GROUP = 'hardened';
const LIMIT = /^[A-Za-z0-9_.*:!&,@~[\]-]{1,200}$/;

export interface FleetRunRequest {
  mode: 'plan' | 'rollout';
  profile: string;
  changes: FleetChange[];
  inventory: string;
  limit?: string;
  batches: Serial;
  deadlineS: number;
  home: string;
  meta: Pick<ExportMeta, 'profile' | 'host' | 'port' | 'user'>;
  onHost?: (row: FleetHost) => void;
  signal?: AbortSignal;
  now?: () => Date;
}

const ANSIBLE_ENV = {
  ANSIBLE_INVENTORY_ENABLED: 'ini,yaml',
  // One SSH round trip per task instead of several; a host whose sudoers says requiretty needs ANSIBLE_PIPELINING=False.
  ANSIBLE_PIPELINING: process.env.ANSIBLE_PIPELINING ?? 'True',
  ANSIBLE_HOST_KEY_CHECKING: 'True',
  ANSIBLE_RETRY_FILES_ENABLED: '0',
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_FORCE_COLOR: '0',
  ANSIBLE_LOCALHOST_WARNING: 'False',
};

async function checkInventory(path: string): Promise<string> {
  const file = isAbsolute(path) ? path : resolve(path);
  const st = await stat(file).catch(() => null);
  if (!st) throw new HardenLabError('NOT_FOUND', `There is no inventory file ${file}.`, { hint: 'Write one like the export\'s inventory.ini: a [hardened] group, one line per host.' });
  if (!st.isFile()) throw new HardenLabError('BAD_INPUT', `${file} is not a file.`);
  if (st.mode & 0o111) throw new HardenLabError('BAD_INPUT', `${file} is executable, so Ansible would run it as an inventory script; Harden Lab reads INI and YAML inventories only.`, { hint: `chmod a-x ${file}` });
  if (st.size > 1024 * 1024) throw new HardenLabError('BAD_INPUT', `${file} is larger than 1 MiB; that is not an inventory.`);
  return file;
}

async function ansible(cmd: string, args: string[], signal?: AbortSignal, extra: { onStdout?: (t: string) => void; env?: NodeJS.ProcessEnv } = {}) {
  return run(cmd, args, { env: { ...process.env, ...ANSIBLE_ENV, ...extra.env }, timeoutMs: 6 * 60 * 60_000, ...(signal ? { signal } : {}), ...(extra.onStdout ? { onStdout: extra.onStdout } : {}) });
}

/** The hosts of the [hardened] group the run would touch, in the order Ansible runs them. */
async function hostsOf(inventory: string, playbook: string, limit: string | undefined, signal?: AbortSignal): Promise<string[]> {
  const list = await ansible('ansible-inventory', ['-i', inventory, '--list'], signal);
  if (list.code !== 0) throw new HardenLabError('BAD_INPUT', `Ansible cannot read the inventory ${inventory}: ${list.stderr.trim().slice(-600)}`);
  const order = inventoryOrder(JSON.parse(list.stdout) as Record<string, unknown>, FLEET_GROUP);
  const listed = await ansible('ansible-playbook', ['-i', inventory, playbook, '--list-hosts', ...(limit ? ['--limit', limit] : [])], signal);
  if (listed.code !== 0) throw new HardenLabError('BAD_INPUT', `Ansible refuses the playbook or the --limit: ${listed.stderr.trim().slice(-600)}`);
  const chosen = new Set(parseListHosts(listed.stdout));
  return order.filter((h) => chosen.has(h));
}

export async function runFleet(req: FleetRunRequest): Promise<FleetRun> {
  if (!which('ansible-playbook') || !which('ansible-inventory')) {
    throw new HardenLabError('DRIVER_MISSING', 'Ansible is not installed: the fleet rollout runs ansible-playbook.', { hint: 'apt-get install ansible (see `hardenlab doctor`)' });
  }
  if (req.limit !== undefined && (!LIMIT.test(req.limit) || req.limit.startsWith('-'))) {
    throw new HardenLabError('BAD_INPUT', `"${req.limit.slice(0, 60)}" is not an Ansible host pattern (names, groups, *, :, !, &, commas).`);
  }
  const inventory = await checkInventory(req.inventory);
  const now = req.now ?? (() => new Date());
  const started = now();
  const id = `${started.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${req.mode}-${randomBytes(3).toString('hex')}`;
  const dir = join(req.home, 'fleet', id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // The plan shows every host's diffs at once; the rollout goes in batches and stops at the first failure.
  const fleet = exportFleet(req.changes, {
    ...req.meta,
    deadlineS: req.deadlineS,
    hosts: FLEET_GROUP,
    serial: req.mode === 'plan' ? ['100%'] : req.batches,
    maxFailPercentage: 0,
    generatedAt: started.toISOString(),
  });
  const playbook = join(dir, 'hardenlab.yml');
  await writeFileAtomic(playbook, fleet.playbook, { mode: 0o600 });
  const hosts = await hostsOf(inventory, playbook, req.limit, req.signal).catch(async (e: unknown) => {
    // Nothing ran: leave nothing behind either.
    await rm(dir, { recursive: true, force: true });
    throw e;
  });
  if (hosts.length === 0) {
    await rm(dir, { recursive: true, force: true });
    throw new HardenLabError('BAD_INPUT', `No host of ${inventory} is in the group [${FLEET_GROUP}]${req.limit ? ` with --limit ${req.limit}` : ''}.`, { hint: `List the hosts to harden under [${FLEET_GROUP}] in the inventory.` });
  }

  const state = newRollout(hosts);
  const events = createWriteStream(join(dir, 'events.jsonl'), { mode: 0o600 });
  let pending = '';
  const onStdout = (text: string) => {
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      events.write(`${line}\n`);
      for (const name of applyEvent(state, line)) req.onHost?.(structuredClone(state.hosts.get(name)!));
    }
  };
  const args = ['-i', inventory, playbook, ...(req.mode === 'plan' ? ['--check', '--diff'] : ['--diff']), ...(req.limit ? ['--limit', req.limit] : [])];
  const r = await ansible('ansible-playbook', args, req.signal, { onStdout, env: { ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.jsonl' } });
  if (pending.trim()) onStdout('\n');
  await new Promise<void>((done) => events.end(done));
  const reachedAHost = [...state.hosts.values()].some((h) => h.batch !== null);
  if (state.stats === null && !reachedAHost) {
    if (req.signal?.aborted) throw new HardenLabError('CANCELLED', 'The fleet run was cancelled before any host started.');
    throw new HardenLabError('INTERNAL', `ansible-playbook ended (exit ${r.code ?? r.signal}) before any host ran: ${r.stderr.trim().slice(-800)}`, { hint: `The playbook and Ansible's events are in ${dir}.` });
  }
  const end = finishRollout(state);
  // Stopped half way (cancelled, killed): the hosts it reached are in the report, and sshd's switch on each puts back what was not proved.
  const cut =
    state.stats === null
      ? [`Ansible stopped before the end (${req.signal?.aborted ? 'cancelled' : `exit ${r.code ?? r.signal}`}): a host marked failed did not finish; where its sshd change had armed the dead-man's switch, the switch puts sshd's files back at its deadline.`]
      : [];
  const report: FleetRun = {
    id,
    mode: req.mode,
    profile: req.profile,
    experiments: req.changes.map((c) => c.experimentId),
    inventory,
    ...(req.limit ? { limit: req.limit } : {}),
    batches: req.mode === 'plan' ? ['100%'] : req.batches,
    planned: planBatches(hosts, req.mode === 'plan' ? ['100%'] : req.batches),
    deadlineS: req.deadlineS,
    startedAt: started.toISOString(),
    endedAt: now().toISOString(),
    exitCode: r.code,
    ...end,
    dir,
    notes: [...cut, ...fleet.notes],
  };
  await writeFileAtomic(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
  return report;
}
