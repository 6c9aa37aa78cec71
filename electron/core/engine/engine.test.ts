import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Profile } from '../../../shared/profile';
import { EventBus } from '../events';
import { HardenLabError } from '../errors';
import type { HypervisorDriver, Snapshot } from '../hypervisor/types';
import { ProfileStore } from '../profiles';
import { PolicyStore } from '../policies/store';
import { CanaryStore } from '../canaries/store';
import { Engine } from './engine';
import { Journal, foldRecords } from './journal';
import type { StepDefinition } from './step';
import type { Connections, Target } from './target';

// The engine's decisions tested against a fake VM: an in-memory file system
// that the fake hypervisor can snapshot and restore. The same engine runs
// against the real lab VM in the integration lane.
class FakeVm {
  files = new Map<string, string>([
    ['/etc/os-release', 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'],
    ['/proc/sys/kernel/random/boot_id', 'boot-1\n'],
  ]);
  reachable = true;
  /** Reads of these paths fail with the given error, the rest of the VM answers. */
  readErrors = new Map<string, Error>();
  /** Called on every read, before it is answered. */
  onRead: (path: string) => void = () => undefined;
  snapshots = new Map<string, Map<string, string>>();
  /** What a boot does to the files (a unit that puts an old value back, say). */
  onBoot: (files: Map<string, string>) => void = () => undefined;
  boots = 1;
}

function fakeTarget(vm: FakeVm, profile: Profile): Target {
  return {
    profile,
    async exec(argv) {
      if (!vm.reachable) throw new Error('connection lost');
      if (argv[0] === 'fail') return { code: 1, signal: null, stdout: '', stderr: 'boom', truncated: false, durationMs: 1 };
      // A canary (behind its VM-side timeout): `test -e PATH` on the fake file system.
      if (argv[0] === 'timeout' && argv[4] === 'test' && argv[5] === '-e') return { code: vm.files.has(argv[6]!) ? 0 : 1, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 1 };
      if (argv[0] === 'sh' && /reboot/.test(argv[2] ?? '')) {
        vm.boots += 1;
        vm.files.set('/proc/sys/kernel/random/boot_id', `boot-${vm.boots}\n`);
        vm.onBoot(vm.files);
      }
      return { code: 0, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 1 };
    },
    async probe(commands) {
      const out: Record<string, { code: number; stdout: string }> = {};
      for (const k of Object.keys(commands)) out[k] = { code: 0, stdout: '' };
      return out as never;
    },
    async readFile(path) {
      if (!vm.reachable) throw new Error('connection lost');
      vm.onRead(path);
      const failure = vm.readErrors.get(path);
      if (failure) throw failure;
      return vm.files.get(path) ?? null;
    },
    async writeFile(path, content) {
      if (!vm.reachable) throw new Error('connection lost');
      vm.files.set(path, content);
      return { backupPath: null };
    },
  };
}

function fakeDriver(vm: FakeVm, log: string[]): HypervisorDriver {
  let n = 0;
  return {
    kind: 'qemu',
    availability: async () => ({ available: true }),
    listVms: async () => [],
    vmInfo: async () => ({ hypervisor: 'qemu', id: 'lab', name: 'lab', state: 'running', accessible: true }),
    start: async () => undefined,
    stop: async () => undefined,
    listSnapshots: async () => ({ snapshots: [...vm.snapshots.keys()].map((id) => ({ id, name: `name-${id}`, description: '', parentId: null })), currentId: null }),
    async takeSnapshot(_vm, name): Promise<Snapshot> {
      n += 1;
      const id = `snap-${n}`;
      vm.snapshots.set(id, new Map(vm.files));
      log.push(`snapshot ${name}`);
      return { id, name, description: '', parentId: null };
    },
    async restoreSnapshot(_vm, id) {
      const s = vm.snapshots.get(id);
      if (!s) throw new Error('no such snapshot');
      vm.files = new Map(s);
      vm.reachable = true;
      log.push(`restore ${id}`);
    },
    deleteSnapshot: async () => undefined,
  };
}

function fakeConnections(vm: FakeVm): Connections {
  return {
    target: async (p) => fakeTarget(vm, p),
    freshLogin: async () => (vm.reachable && vm.files.get('/etc/ssh/locked') === undefined ? { ok: true, evidence: 'login ok' } : { ok: false, evidence: 'Permission denied (publickey)' }),
    reconnect: async (p) => fakeTarget(vm, p),
    drop: () => undefined,
  };
}

type Behaviour = 'ok' | 'verify-fails' | 'apply-throws' | 'apply-hangs' | 'locks-out' | 'apply-waits';

/** For 'apply-waits': the apply goes on when the test calls `go`. */
const gate = { reached: () => undefined as void, go: () => undefined as void };

function testStep(behaviour: { current: Behaviour }): StepDefinition<{ value: string | null }, { value: string }> {
  return {
    id: 'demo',
    title: 'Demo setting',
    summary: 'Sets a demo value',
    why: 'Tests',
    guideOrder: 1,
    readOnly: false,
    options: z.object({ value: z.string().default('on') }).strict(),
    applyTimeoutMs: 200,
    async probe(ctx) {
      return { value: await ctx.target.readFile('/etc/demo.conf') };
    },
    plan(facts, options) {
      const after = `demo=${options.value}\n`;
      return {
        summary: 'Set demo',
        files: facts.value === after ? [] : [{ path: '/etc/demo.conf', before: facts.value, after }],
        // A command the dead-man switch cannot take back: without a hypervisor, no way back at all.
        commands: options.value === 'applied-now' ? [{ argv: ['demo-apply', '--now'], elevated: true, why: 'apply' }] : [],
        nothingToDo: facts.value === after,
        warnings: options.value === 'risky' ? [{ kind: 'lockout-risk', message: 'May lock you out.' }] : [],
      };
    },
    async apply(draft, ctx) {
      if (behaviour.current === 'apply-throws') throw new Error('apply exploded');
      if (behaviour.current === 'apply-hangs') await new Promise((r) => setTimeout(r, 5000));
      if (behaviour.current === 'apply-waits') {
        gate.reached();
        await new Promise<void>((r) => (gate.go = r));
      }
      for (const f of draft.files) await ctx.target.writeFile(f.path, f.after!);
      if (behaviour.current === 'locks-out') await ctx.target.writeFile('/etc/ssh/locked', 'yes');
    },
    async verify(draft, ctx) {
      const v = await ctx.target.readFile('/etc/demo.conf');
      return [{ name: 'demo set', ok: behaviour.current !== 'verify-fails' && v === draft.files[0]?.after, evidence: String(v) }];
    },
    audit: (facts) => [{ id: 'demo.set', title: 'Demo is on', status: facts.value === 'demo=on\n' ? 'pass' : 'fail', evidence: String(facts.value) }],
  };
}

let vm: FakeVm;
let log: string[];
let events: EventBus;
let engine: Engine;
let journal: Journal;
let home: string;
const behaviour = { current: 'ok' as Behaviour };

beforeEach(async () => {
  vm = new FakeVm();
  log = [];
  behaviour.current = 'ok';
  home = mkdtempSync(join(tmpdir(), 'hl-engine-'));
  const profiles = new ProfileStore(home);
  await profiles.save({ name: 'lab', host: '127.0.0.1', port: 2222, user: 'lab', auth: { kind: 'key', keyPath: '/k' }, hypervisor: { kind: 'qemu', vm: 'lab' } });
  await profiles.save({ name: 'bare', host: '127.0.0.1', port: 2223, user: 'lab', auth: { kind: 'agent' } });
  journal = new Journal(home);
  engine = new Engine({
    profiles,
    connections: fakeConnections(vm),
    driverFor: async () => fakeDriver(vm, log),
    journal,
    events: (events = new EventBus()),
    steps: [testStep(behaviour)],
    canaries: new CanaryStore(home),
    policies: new PolicyStore(home, [testStep(behaviour)]),
  });
});

describe('one-click restore', () => {
  it('restores by name through the same way back as a revert, and reports SSH back', async () => {
    await engine.apply('lab', (await engine.plan('lab', 'demo', {})).id);
    const seen: Array<{ phase: string; level: string; percent?: number }> = [];
    events.subscribe((name, p) => name === 'progress' && seen.push(p as (typeof seen)[number]));
    let closed = 0;
    const r = await engine.restoreSnapshot('lab', 'name-snap-1', { opId: 'op-1', beforeRestore: () => closed++ });
    expect(r).toMatchObject({ snapshot: { id: 'snap-1' }, reconnected: true });
    expect(closed).toBe(1);
    expect(vm.files.get('/etc/demo.conf')).toBeUndefined();
    expect(seen.map((e) => e.phase)).toEqual(['reconnect', 'done']);
  });

  it('changes nothing for a snapshot that does not exist', async () => {
    let closed = 0;
    await expect(engine.restoreSnapshot('lab', 'nope', { beforeRestore: () => closed++ })).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    expect(closed).toBe(0);
    expect(log).toEqual([]);
  });
});

describe('engine transactions', () => {
  it('snapshots, journals the intent before applying, verifies, and re-plans to nothing', async () => {
    const plan = await engine.plan('lab', 'demo', {});
    expect(plan.files[0]!.diff).toContain('+demo=on');
    const r = await engine.apply('lab', plan.id);
    expect(r.outcome).toBe('verified');
    expect(log).toEqual([expect.stringMatching(/^snapshot hl-demo-/)]);
    expect(r.checks.every((c) => c.ok)).toBe(true);
    expect(r.phases.map((p) => p.phase)).toEqual(['probe', 'canaries', 'snapshot', 'apply', 'verify']);
    const lines = readFileSync(journal.fileFor('lab'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type);
    expect(lines[0]).toBe('intent');
    expect(lines[lines.length - 1]).toBe('outcome');
    expect((await engine.plan('lab', 'demo', {})).nothingToDo).toBe(true);
  });

  for (const [b, why] of [
    ['verify-fails', 'verification fails'],
    ['apply-throws', 'apply throws'],
    ['apply-hangs', 'apply does not finish in time'],
    ['locks-out', 'the change locks the operator out'],
  ] as const) {
    it(`restores the snapshot when ${why}, and proves the VM is back`, async () => {
      behaviour.current = b;
      const plan = await engine.plan('lab', 'demo', {});
      const r = await engine.apply('lab', plan.id);
      expect(r.outcome).toBe('reverted');
      expect(r.error).toBeDefined();
      expect(vm.files.get('/etc/demo.conf')).toBeUndefined();
      expect(vm.files.get('/etc/ssh/locked')).toBeUndefined();
      expect(log).toEqual([expect.stringMatching(/^snapshot/), 'restore snap-1']);
      expect(r.phases.find((p) => p.phase === 'revert')?.ok).toBe(true);
      const exp = (await journal.read('lab')).experiments[0]!;
      expect(exp.status).toBe('reverted');
    });
  }

  it('does nothing, not even a snapshot, when there is nothing to do', async () => {
    vm.files.set('/etc/demo.conf', 'demo=on\n');
    const plan = await engine.plan('lab', 'demo', {});
    const r = await engine.apply('lab', plan.id);
    expect(r.outcome).toBe('nothing-to-do');
    expect(log).toEqual([]);
  });

  it('asks for confirmation when a warning says lock-out risk', async () => {
    const plan = await engine.plan('lab', 'demo', { value: 'risky' });
    await expect(engine.apply('lab', plan.id)).rejects.toMatchObject({ code: 'CONFIRMATION_REQUIRED' });
    expect(log).toEqual([]);
  });

  it('refuses a profile without a hypervisor: no way back, no change', async () => {
    const plan = await engine.plan('bare', 'demo', { value: 'applied-now' });
    expect(plan.safetyNet).toMatchObject({ kind: 'none', message: expect.stringMatching(/runs `demo-apply --now`/) });
    await expect(engine.apply('bare', plan.id)).rejects.toMatchObject({ code: 'NO_WAY_BACK', message: expect.stringMatching(/not linked to a hypervisor VM.*cannot take this change back/) });
    expect(vm.files.get('/etc/demo.conf')).toBeUndefined();
  });

  it('refuses a stale plan before any snapshot', async () => {
    const plan = await engine.plan('lab', 'demo', {});
    vm.files.set('/etc/demo.conf', 'someone else\n');
    await expect(engine.apply('lab', plan.id)).rejects.toMatchObject({ code: 'PLAN_STALE' });
    expect(log).toEqual([]);
  });

  it('refuses unknown steps and bad options with clear errors', async () => {
    await expect(engine.plan('lab', 'nope', {})).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(engine.plan('lab', 'demo', { value: 3 })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(engine.plan('lab', 'demo', { extra: true })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('reverts a verified experiment on request and records it', async () => {
    const plan = await engine.plan('lab', 'demo', {});
    await engine.apply('lab', plan.id);
    const { experiment } = await engine.revert('lab', undefined);
    expect(experiment.status).toBe('reverted');
    expect(vm.files.get('/etc/demo.conf')).toBeUndefined();
  });

  it('refuses a second change to the profile while one runs, saying what, since when and in which process', async () => {
    behaviour.current = 'apply-waits';
    const reached = new Promise<void>((r) => (gate.reached = r));
    const first = engine.apply('lab', (await engine.plan('lab', 'demo', {})).id);
    await reached;
    const second = await engine.plan('lab', 'demo', {});
    const busy = new RegExp(`^busy: applying "Demo setting" on lab since \\d{4}-\\d\\d-\\d\\dT\\S+ in process ${process.pid}$`);
    await expect(engine.apply('lab', second.id)).rejects.toMatchObject({ code: 'VM_WRONG_STATE', message: expect.stringMatching(busy) });
    await expect(engine.revert('lab', undefined)).rejects.toMatchObject({ code: 'VM_WRONG_STATE', message: expect.stringMatching(busy) });
    gate.go();
    expect((await first).outcome).toBe('verified');
    // Nothing changed for the refused one: its plan is kept, and once the first is done the VM is free again.
    const retried = await engine.apply('lab', second.id).catch((e: { code?: string }) => e);
    expect((retried as { code?: string }).code).not.toBe('NOT_FOUND');
    expect((await engine.revert('lab', undefined)).experiment.status).toBe('reverted');
  });

  it('refuses a change while another process holds the profile, and takes over from one that died', async () => {
    const lockFile = join(journal.dir, 'lab.lock');
    mkdirSync(journal.dir, { recursive: true });
    writeFileSync(lockFile, JSON.stringify({ pid: 1, what: 'reverting experiment e1 on lab', since: '2026-11-29T10:00:00.000Z' }));
    const plan = await engine.plan('lab', 'demo', {});
    await expect(engine.apply('lab', plan.id)).rejects.toMatchObject({ code: 'VM_WRONG_STATE', message: 'busy: reverting experiment e1 on lab since 2026-11-29T10:00:00.000Z in process 1' });
    expect(log).toEqual([]);
    writeFileSync(lockFile, JSON.stringify({ pid: 999999999, what: 'applying', since: '2026-11-29T10:00:00.000Z' }));
    expect((await engine.apply('lab', plan.id)).outcome).toBe('verified');
    expect(existsSync(lockFile)).toBe(false);
  });

  it('scores an audit from every step', async () => {
    const before = await engine.audit('lab');
    expect(before.score).toEqual({ passed: 0, total: 1, percent: 0 });
    await engine.apply('lab', (await engine.plan('lab', 'demo', {})).id);
    expect((await engine.audit('lab')).score.percent).toBe(100);
  });

  it('fails as a whole when the VM stops answering, instead of reporting every check as skipped', async () => {
    // A probe error of its own is one skipped check...
    vm.readErrors.set('/etc/demo.conf', new HardenLabError('REMOTE_COMMAND_FAILED', 'cat: /etc/demo.conf: Input/output error'));
    const skipped = await engine.audit('lab');
    expect(skipped.checks).toEqual([expect.objectContaining({ id: 'demo.probe', status: 'skip', evidence: 'cat: /etc/demo.conf: Input/output error' })]);
    // ...a lost connection (a revert or a reboot under way) is the audit's failure.
    vm.readErrors.set('/etc/demo.conf', new HardenLabError('NOT_CONNECTED', 'The connection to lab@127.0.0.1:22 dropped while running cat.'));
    await expect(engine.audit('lab')).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });

  it('a cancelled audit or preview says CANCELLED, even when the closing connection cut its probe off', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(engine.audit('lab', { signal: ctrl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(engine.plan('lab', 'demo', {}, { signal: ctrl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    // Cancelled while the probe runs: the Disconnect that follows the cancel drops the connection under it.
    vm.readErrors.set('/etc/demo.conf', new HardenLabError('NOT_CONNECTED', 'The connection to lab@127.0.0.1:22 dropped while running cat.'));
    const cancelledMidProbe = (run: (signal: AbortSignal) => Promise<unknown>) => {
      const late = new AbortController();
      vm.onRead = (path) => {
        if (path === '/etc/demo.conf') late.abort();
      };
      return run(late.signal);
    };
    await expect(cancelledMidProbe((signal) => engine.audit('lab', { signal }))).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(cancelledMidProbe((signal) => engine.plan('lab', 'demo', {}, { signal }))).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('canaries and the reboot proof', () => {
  const canaries = () => new CanaryStore(home);

  it('runs the canaries before and after; one that the change breaks fails the verify and reverts, naming it', async () => {
    vm.files.set('/etc/agent-ok', 'yes');
    await canaries().add('lab', { kind: 'command', name: 'agent', argv: ['test', '-e', '/etc/agent-ok'] });
    await canaries().add('lab', { kind: 'command', name: 'flaky', argv: ['test', '-e', '/etc/never'] });
    const plan = await engine.plan('lab', 'demo', {});
    expect(plan.canaries).toEqual(['ssh-login', 'agent', 'flaky']);
    expect(plan.warnings).toEqual([{ kind: 'info', message: 'Canary "flaky" already fails (exit 1 (wanted 0)): if it still fails before the change, it is reported and left out of the verdict.' }]);
    // The change takes away what the agent needs.
    const step = engine.step('demo');
    const apply = step.apply!;
    step.apply = async (draft, ctx) => {
      await apply(draft, ctx);
      vm.files.delete('/etc/agent-ok');
    };
    try {
      const r = await engine.apply('lab', plan.id);
      expect(r.outcome).toBe('reverted');
      expect(r.error?.message).toMatch(/Canary "agent" still passes \(before: exit 0; after: exit 1 \(wanted 0\)\)/);
      expect(r.canaries?.map((c) => [c.name, c.verdict])).toEqual([
        ['ssh-login', 'held'],
        ['agent', 'broke'],
        ['flaky', 'already-failing'],
      ]);
      expect(vm.files.get('/etc/agent-ok')).toBe('yes');
      expect((await journal.read('lab')).experiments[0]!.result?.canaries?.[1]?.verdict).toBe('broke');
    } finally {
      step.apply = apply;
    }
  });

  it('refuses before any snapshot when the fresh login already fails', async () => {
    vm.files.set('/etc/ssh/locked', 'yes');
    const plan = await engine.plan('lab', 'demo', {});
    await expect(engine.apply('lab', plan.id)).rejects.toMatchObject({ code: 'CONNECT_FAILED', message: expect.stringMatching(/fails before any change/) });
    expect(log).toEqual([]);
  });

  it('reboots after a passing verify and proves it again: the boot id changes', async () => {
    const r = await engine.apply('lab', (await engine.plan('lab', 'demo', {})).id, { proveReboot: true });
    expect(r.outcome, r.error?.message).toBe('verified');
    expect(r.phases.map((p) => p.phase)).toEqual(['probe', 'canaries', 'snapshot', 'apply', 'verify', 'reboot-proof']);
    expect(r.rebootProof).toEqual({ bootIdBefore: 'boot-1', bootIdAfter: 'boot-2', ok: true, lost: [], reasons: [] });
    expect(r.canaries?.[0]).toMatchObject({ name: 'ssh-login', verdict: 'held', afterReboot: { ok: true } });
  });

  it('reverts what holds until the reboot and not after it, with the step\'s reason', async () => {
    vm.onBoot = (files) => files.delete('/etc/demo.conf');
    const step = engine.step('demo');
    step.explainRebootLoss = async (lost) => lost.map((c) => `${c.name}: a boot script removes /etc/demo.conf`);
    try {
      const r = await engine.apply('lab', (await engine.plan('lab', 'demo', {})).id, { proveReboot: true });
      expect(r.outcome).toBe('reverted');
      expect(r.rebootProof).toMatchObject({ ok: false, lost: ['demo set'], reasons: ['demo set: a boot script removes /etc/demo.conf'] });
      expect(r.error?.message).toMatch(/^Does not survive a reboot \(demo set: a boot script removes \/etc\/demo.conf\)/);
      expect(r.checks.find((c) => c.name === 'demo set (after the reboot)')).toMatchObject({ ok: false, evidence: 'held before the reboot; after it: null' });
      expect(vm.files.get('/etc/demo.conf')).toBeUndefined();
    } finally {
      delete step.explainRebootLoss;
    }
  });
});

describe('journal replay', () => {
  it('reports an intent without an outcome as open (a crash mid-apply)', () => {
    const exps = foldRecords([
      { type: 'intent', experimentId: 'e1', at: '2026-11-29T00:00:00Z', profile: 'lab', step: 'ssh', plan: {} as never, snapshot: { id: 's1', name: 'hl-ssh' } },
      { type: 'log', experimentId: 'e1', at: '2026-11-29T00:00:01Z', phase: 'apply', message: 'Wrote /etc/ssh/sshd_config' },
    ]);
    expect(exps[0]!.status).toBe('open');
    expect(exps[0]!.log).toHaveLength(1);
  });
});
