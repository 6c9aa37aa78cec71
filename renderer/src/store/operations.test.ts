import { beforeEach, describe, expect, it } from 'vitest';
import type { ApplyResultShape } from '../../../shared/domain';
import { setBridgeForTests } from '../api/client';
import { createTerminalRouter, type TerminalRouter } from '../terminal/router';
import { scriptedBridge, ScriptedError, settle, type ScriptedBridge } from '../testing/scriptedBridge';
import { audit, connectResult, labProfile, snapshots, sshPlan, steps, verifiedResult } from '../testing/fixtures';
import { wireEvents } from './events';
import { createAppStore, runKey, type AppStore } from './index';

let bridge: ScriptedBridge;
let store: AppStore;
let router: TerminalRouter;

beforeEach(async () => {
  bridge = scriptedBridge({
    'profiles.list': () => ({ profiles: [labProfile] }),
    'steps.list': () => ({ steps }),
    'ssh.connect': () => connectResult,
    'journal.list': () => ({ experiments: [], open: [] }),
    'vm.state': () => ({ hypervisor: 'qemu', id: 'lab', name: 'lab', state: 'running', accessible: true }),
    'snapshots.list': () => snapshots,
    'audit.run': () => audit,
    'op.cancel': () => ({ cancelled: true }),
  });
  setBridgeForTests(bridge.api);
  store = createAppStore();
  router = createTerminalRouter();
  wireEvents(bridge.api.on, store, router);
  await store.getState().loadProfiles();
  await store.getState().loadSteps();
});

describe('steps: plan and apply', () => {
  it('sorts steps by guide order', () => {
    expect(store.getState().steps.map((s) => s.id)).toEqual(['kernel', 'ssh']);
    expect(store.getState().selectedStep).toBe('kernel');
  });

  it('plans with an opId, keeps the echoed options, and re-plans with changed ones', async () => {
    bridge.script['steps.plan'] = (req) => ({ plan: { ...sshPlan, options: { stronger: false, ...(req.options as object) } } });
    await store.getState().planStep('lab', 'ssh');
    let run = store.getState().runs[runKey('lab', 'ssh')]!;
    expect(run.plan?.id).toBe('plan-abc123');
    expect(run.options).toEqual({ stronger: false });
    expect(bridge.callsTo('steps.plan')[0]).toMatchObject({ profile: 'lab', step: 'ssh' });
    expect(bridge.callsTo('steps.plan')[0]).not.toHaveProperty('options');

    store.getState().setStepOptions('lab', 'ssh', { stronger: true });
    await store.getState().planStep('lab', 'ssh');
    expect(bridge.callsTo('steps.plan')[1]).toMatchObject({ options: { stronger: true } });
    run = store.getState().runs[runKey('lab', 'ssh')]!;
    expect(run.plan?.options).toEqual({ stronger: true });
  });

  it('applies the plan by id with the confirmation flag, shows the result, and refreshes the audit', async () => {
    bridge.script['steps.plan'] = () => ({ plan: sshPlan });
    let seenOpId = '';
    bridge.script['steps.apply'] = (req) => {
      seenOpId = String(req.opId);
      bridge.emit('progress', { opId: seenOpId, phase: 'snapshot', message: 'Taking "hl-before-ssh".', level: 'info', at: '2026-11-29T06:00:01Z' });
      return { result: verifiedResult };
    };
    await store.getState().planStep('lab', 'ssh');
    const auditsBefore = bridge.callsTo('audit.run').length;
    const result = await store.getState().applyPlan('lab', 'ssh', true);
    await settle();
    expect(result?.outcome).toBe('verified');
    expect(bridge.callsTo('steps.apply')[0]).toMatchObject({ profile: 'lab', planId: 'plan-abc123', confirmWarnings: true });
    const run = store.getState().runs[runKey('lab', 'ssh')]!;
    expect(run).toMatchObject({ applying: false, planUsed: true, applyOpId: seenOpId });
    expect(store.getState().progress[seenOpId]?.map((e) => e.phase)).toEqual(['snapshot']);
    expect(store.getState().ops[seenOpId]?.status).toBe('done');
    expect(bridge.callsTo('audit.run').length).toBe(auditsBefore + 1);
    // A used plan cannot be applied twice.
    expect(await store.getState().applyPlan('lab', 'ssh', true)).toBeNull();
    expect(bridge.callsTo('steps.apply')).toHaveLength(1);
  });

  it('records a reverted outcome as a failed operation with the engine error', async () => {
    const reverted: ApplyResultShape = { ...verifiedResult, outcome: 'reverted', error: { code: 'VERIFY_FAILED', message: 'A fresh key login failed.' } };
    bridge.script['steps.plan'] = () => ({ plan: sshPlan });
    bridge.script['steps.apply'] = () => ({ result: reverted });
    await store.getState().planStep('lab', 'ssh');
    await store.getState().applyPlan('lab', 'ssh', true);
    const run = store.getState().runs[runKey('lab', 'ssh')]!;
    expect(run.result?.outcome).toBe('reverted');
    expect(store.getState().ops[run.applyOpId!]).toMatchObject({ status: 'failed', error: { message: 'A fresh key login failed.' } });
  });

  it('keeps the plan usable when the VM was busy or a risk needs confirming (the engine keeps it), not after other failures', async () => {
    bridge.script['steps.plan'] = () => ({ plan: sshPlan });
    bridge.script['steps.apply'] = () => {
      throw new ScriptedError('VM_WRONG_STATE', 'Another change is already running on lab.');
    };
    await store.getState().planStep('lab', 'ssh');
    await store.getState().applyPlan('lab', 'ssh', true);
    expect(store.getState().runs[runKey('lab', 'ssh')]).toMatchObject({ planUsed: false, applyError: { code: 'VM_WRONG_STATE' } });
    bridge.script['steps.apply'] = () => {
      throw new ScriptedError('CONFIRMATION_REQUIRED', 'This change needs your confirmation.');
    };
    await store.getState().applyPlan('lab', 'ssh', false);
    expect(store.getState().runs[runKey('lab', 'ssh')]).toMatchObject({ planUsed: false, applyError: { code: 'CONFIRMATION_REQUIRED' } });
    bridge.script['steps.apply'] = () => {
      throw new ScriptedError('PLAN_STALE', 'The VM changed since the plan was made.');
    };
    await store.getState().applyPlan('lab', 'ssh', true);
    expect(store.getState().runs[runKey('lab', 'ssh')]).toMatchObject({ planUsed: true, applyError: { code: 'PLAN_STALE' } });
  });

  it('shows a plan error and a cancelled plan as nothing', async () => {
    bridge.script['steps.plan'] = () => {
      throw new ScriptedError('NOT_CONNECTED', 'lab is not connected.', 'Connect first.');
    };
    await store.getState().planStep('lab', 'ssh');
    expect(store.getState().runs[runKey('lab', 'ssh')]?.planError).toMatchObject({ code: 'NOT_CONNECTED', hint: 'Connect first.' });
    bridge.script['steps.plan'] = () => {
      throw new ScriptedError('CANCELLED', 'Cancelled by the user.');
    };
    await store.getState().planStep('lab', 'ssh');
    expect(store.getState().runs[runKey('lab', 'ssh')]).toMatchObject({ planError: null, planning: false });
  });
});

describe('snapshots and revert', () => {
  it('restores by snapshot id with an opId, shows reconnecting meanwhile, then connected', async () => {
    await store.getState().connect('lab');
    await settle();
    let during = '';
    bridge.script['snapshots.restore'] = () => {
      during = store.getState().connections.lab!.state;
      return { snapshot: snapshots.snapshots[0]!, reconnected: true, durationMs: 1234 };
    };
    const ok = await store.getState().restoreSnapshot('lab', { id: 'snap-1', name: 'baseline' });
    expect(ok).toBe(true);
    expect(during).toBe('reconnecting');
    const [req] = bridge.callsTo('snapshots.restore');
    expect(req).toMatchObject({ profile: 'lab', snapshot: 'snap-1' });
    expect(store.getState().restore).toMatchObject({ status: 'done', result: { reconnected: true } });
    expect(store.getState().connections.lab?.state).toBe('connected');
    expect(store.getState().ops[String(req!.opId)]).toMatchObject({ kind: 'restore', cancellable: false, status: 'done' });
    expect(store.getState().notices.at(-1)?.message).toBe('The VM is back at “baseline”.');
  });

  it('reports a failed restore where it happened and refuses a second one while running', async () => {
    await store.getState().connect('lab');
    let release: () => void = () => undefined;
    bridge.script['snapshots.restore'] = () =>
      new Promise((_, reject) => {
        release = () => reject(new ScriptedError('SNAPSHOT_NOT_FOUND', 'No snapshot snap-9.', 'Refresh the list.'));
      });
    const first = store.getState().restoreSnapshot('lab', { id: 'snap-9', name: 'gone' });
    await settle();
    expect(await store.getState().restoreSnapshot('lab', { id: 'snap-1', name: 'baseline' })).toBe(false);
    release();
    expect(await first).toBe(false);
    expect(store.getState().restore).toMatchObject({ status: 'failed', error: { code: 'SNAPSHOT_NOT_FOUND' } });
    expect(store.getState().connections.lab?.state).toBe('failed');
    expect(bridge.callsTo('snapshots.restore')).toHaveLength(1);
  });

  it('takes a snapshot with a trimmed description and refreshes the list', async () => {
    bridge.script['snapshots.take'] = (req) => ({ snapshot: { id: 'snap-3', name: String(req.name), description: String(req.description ?? ''), parentId: 'snap-2' } });
    const res = await store.getState().takeSnapshot('lab', 'before kernel', '  why  ');
    await settle();
    expect(res.ok).toBe(true);
    expect(bridge.callsTo('snapshots.take')[0]).toMatchObject({ name: 'before kernel', description: 'why' });
    expect(bridge.callsTo('snapshots.list').length).toBeGreaterThan(0);
  });

  it('a name the contract refuses never reaches the core as a valid request', async () => {
    bridge.script['snapshots.take'] = () => ({ snapshot: snapshots.snapshots[0]! });
    const res = await store.getState().takeSnapshot('lab', 'bad;name', '');
    expect(res.ok).toBe(false);
    expect(bridge.callsTo('snapshots.take')).toHaveLength(0);
  });
});

describe('lab VM', () => {
  it('builds with an opId, then selects and connects the new profile', async () => {
    let labOp = '';
    bridge.script['lab.up'] = (req) => {
      labOp = String(req.opId);
      bridge.emit('progress', { opId: labOp, phase: 'build', message: 'debootstrap bookworm', level: 'info', at: '2026-11-29T06:00:00Z' });
      return { name: 'lab', host: '127.0.0.1', port: 2222, user: 'lab', keyPath: '/k', hostKeyFingerprint: 'SHA256:x', hypervisor: 'qemu', vm: 'lab' };
    };
    bridge.script['lab.list'] = () => ({ labs: [] });
    store.setState({ activeProfile: null });
    expect(await store.getState().labUp('lab')).toBe(true);
    await settle();
    expect(store.getState().lab).toMatchObject({ status: 'done', name: 'lab' });
    expect(store.getState().progress[labOp]?.[0]?.message).toBe('debootstrap bookworm');
    expect(store.getState().activeProfile).toBe('lab');
    expect(bridge.callsTo('ssh.connect')).toHaveLength(1);
  });

  it('cancels through op.cancel with the same opId and ends as cancelled', async () => {
    let reject: (e: Error) => void = () => undefined;
    bridge.script['lab.up'] = () => new Promise((_, rej) => (reject = rej));
    const up = store.getState().labUp('lab');
    await settle();
    const opId = store.getState().lab!.opId;
    await store.getState().cancelLabUp();
    expect(bridge.callsTo('op.cancel')).toEqual([{ opId }]);
    reject(new ScriptedError('CANCELLED', 'Cancelled by the user.'));
    expect(await up).toBe(false);
    expect(store.getState().lab).toMatchObject({ status: 'cancelled', error: null });
    expect(store.getState().ops[opId]?.status).toBe('cancelled');
  });
});

describe('terminals', () => {
  beforeEach(() => {
    bridge.script['terminal.open'] = () => ({ terminalId: 'term-1' });
    bridge.script['terminal.close'] = () => ({ ok: true });
  });

  it('opens with the fitted size, marks an exit from the event, and reconnects as a new generation', async () => {
    const key = store.getState().newTerminalTab('lab');
    expect(store.getState().activeTerminal).toBe(key);
    expect(await store.getState().openTerminalSession(key, 120, 32)).toBe('term-1');
    expect(bridge.callsTo('terminal.open')).toEqual([{ profile: 'lab', cols: 120, rows: 32 }]);
    bridge.emit('terminal.exit', { terminalId: 'term-1', reason: 'the VM rebooted' });
    expect(store.getState().terminals[0]).toMatchObject({ status: 'exited', reason: 'the VM rebooted' });
    store.getState().reconnectTerminal(key);
    expect(store.getState().terminals[0]).toMatchObject({ status: 'opening', generation: 1, terminalId: null });
  });

  it('routes terminal.data to the attached sink, not through the store', () => {
    const got: string[] = [];
    router.attach('term-1', (d) => got.push(d));
    const before = store.getState();
    bridge.emit('terminal.data', { terminalId: 'term-1', data: 'lab@lab:~$ ' });
    expect(got).toEqual(['lab@lab:~$ ']);
    expect(store.getState()).toBe(before);
  });

  it('closing a tab closes its shell; a shell that opens after its tab closed is closed too', async () => {
    const a = store.getState().newTerminalTab('lab');
    await store.getState().openTerminalSession(a, 80, 24);
    await store.getState().closeTerminalTab(a);
    expect(bridge.callsTo('terminal.close')).toEqual([{ terminalId: 'term-1' }]);
    expect(store.getState().terminals).toEqual([]);

    let release: () => void = () => undefined;
    bridge.script['terminal.open'] = () => new Promise((r) => (release = () => r({ terminalId: 'term-2' })));
    const b = store.getState().newTerminalTab('lab');
    const opening = store.getState().openTerminalSession(b, 80, 24);
    await settle();
    await store.getState().closeTerminalTab(b);
    release();
    expect(await opening).toBeNull();
    expect(bridge.callsTo('terminal.close').at(-1)).toEqual({ terminalId: 'term-2' });
  });

  it('numbers tabs per VM', () => {
    store.getState().newTerminalTab('lab');
    store.getState().newTerminalTab('lab');
    expect(store.getState().terminals.map((t) => t.title)).toEqual(['lab', 'lab (2)']);
  });
});

describe('journal', () => {
  it('reloads on journal.changed only once it was loaded, resolves and reverts experiments', async () => {
    bridge.emit('journal.changed', { profile: 'lab' });
    await settle();
    expect(bridge.callsTo('journal.list')).toHaveLength(0);
    await store.getState().loadJournal('lab');
    bridge.emit('journal.changed', { profile: 'lab' });
    await settle();
    expect(bridge.callsTo('journal.list')).toHaveLength(2);

    bridge.script['journal.resolve'] = () => ({ ok: true });
    expect((await store.getState().resolveExperiment('lab', 'e1')).ok).toBe(true);
    expect(bridge.callsTo('journal.resolve')).toEqual([{ profile: 'lab', experimentId: 'e1' }]);

    bridge.script['revert.experiment'] = () => ({
      experiment: { id: 'e1', profile: 'lab', step: 'ssh', status: 'reverted', startedAt: '2026-11-29T06:00:00Z', snapshot: { id: 'snap-2', name: 'hl-before-ssh' }, log: [] },
      durationMs: 900,
    });
    expect(await store.getState().revertExperiment('lab', 'e1')).toBe(true);
    expect(store.getState().experimentReverts.e1?.status).toBe('done');
    expect(store.getState().notices.at(-1)?.message).toContain('hl-before-ssh');
  });

  it('exports through journal.export and hands back the file', async () => {
    bridge.script['journal.export'] = (req) => ({ fileName: `lab.${req.format === 'markdown' ? 'md' : 'yml'}`, content: '# lab', mime: 'text/markdown' });
    const res = await store.getState().exportJournal('lab', 'markdown');
    expect(res).toEqual({ ok: true, value: { fileName: 'lab.md', content: '# lab', mime: 'text/markdown' } });
    expect(bridge.callsTo('journal.export')).toEqual([{ profile: 'lab', format: 'markdown' }]);
  });
});

describe('operations bookkeeping', () => {
  it('keeps at most 500 events per operation and forgets old finished operations', () => {
    const s = store.getState();
    const id = s.beginOp('audit', 'Audit', 'lab', true);
    for (let i = 0; i < 520; i++) s.addProgress({ opId: id, phase: 'probe', message: `m${i}`, level: 'info', at: '2026-11-29T06:00:00Z' });
    expect(store.getState().progress[id]).toHaveLength(500);
    expect(store.getState().progress[id]?.[0]?.message).toBe('m20');
    for (let i = 0; i < 60; i++) {
      const op = store.getState().beginOp('plan', 'p', 'lab', true);
      store.getState().finishOp(op, 'done');
    }
    store.getState().beginOp('plan', 'last', 'lab', true);
    expect(Object.keys(store.getState().ops).length).toBeLessThanOrEqual(42);
    // A running operation is never forgotten.
    expect(store.getState().ops[id]?.status).toBe('running');
  });
});
