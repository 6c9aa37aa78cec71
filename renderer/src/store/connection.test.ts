import { beforeEach, describe, expect, it } from 'vitest';
import { setBridgeForTests } from '../api/client';
import { createTerminalRouter } from '../terminal/router';
import { scriptedBridge, ScriptedError, settle, type ScriptedBridge } from '../testing/scriptedBridge';
import { audit, connectResult, labProfile, snapshots } from '../testing/fixtures';
import { wireEvents } from './events';
import { createAppStore, type AppStore } from './index';

let bridge: ScriptedBridge;
let store: AppStore;

beforeEach(() => {
  bridge = scriptedBridge({
    'app.info': () => ({ name: 'Harden Lab', version: '0.1.0', door: 'browser', platform: 'linux-x64', dataDir: '/tmp/hl', features: [] }),
    'profiles.list': () => ({ profiles: [labProfile] }),
    'steps.list': () => ({ steps: [] }),
    'ssh.connect': () => connectResult,
    'journal.list': () => ({ experiments: [], open: [] }),
    'vm.state': () => ({ hypervisor: 'qemu', id: 'lab', name: 'lab', state: 'running', accessible: true }),
    'snapshots.list': () => snapshots,
    'audit.run': () => audit,
  });
  setBridgeForTests(bridge.api);
  store = createAppStore();
  wireEvents(bridge.api.on, store, createTerminalRouter());
});

describe('connection', () => {
  it('boots, picks the profile, connects with an opId and loads what the dashboard shows', async () => {
    await store.getState().boot();
    await settle();
    const s = store.getState();
    expect(s.activeProfile).toBe('lab');
    expect(s.connections.lab?.state).toBe('connected');
    expect(s.connections.lab?.result?.kernel).toBe('6.1.0-50-cloud-amd64');
    const [connectReq] = bridge.callsTo('ssh.connect');
    expect(connectReq).toMatchObject({ profile: 'lab' });
    expect(String(connectReq!.opId)).toMatch(/^connect-/);
    expect(s.vmStates.lab?.data?.state).toBe('running');
    expect(s.snapshotLists.lab?.data?.currentId).toBe('snap-2');
    expect(s.audits.lab?.report?.score.passed).toBe(1);
    expect(bridge.callsTo('journal.list')[0]).toEqual({ profile: 'lab' });
  });

  it('Disconnect cancels the audit still running on the connection before closing it, and shows no error for it', async () => {
    let cancelAudit: (() => void) | null = null;
    bridge.script['audit.run'] = () =>
      new Promise((_, reject) => {
        cancelAudit = () => reject(new ScriptedError('CANCELLED', 'The audit was cancelled.'));
      });
    bridge.script['op.cancel'] = () => {
      cancelAudit?.();
      return { cancelled: true };
    };
    bridge.script['ssh.disconnect'] = () => ({ ok: true });
    await store.getState().loadProfiles();
    await store.getState().connect('lab');
    await settle();
    expect(store.getState().audits.lab?.running).toBe(true);
    const auditOp = store.getState().audits.lab!.opId;
    await store.getState().disconnect('lab');
    await settle();
    const order = bridge.calls.map((c) => c.channel).filter((c) => c === 'op.cancel' || c === 'ssh.disconnect');
    expect(order).toEqual(['op.cancel', 'ssh.disconnect']);
    expect(bridge.callsTo('op.cancel')[0]).toEqual({ opId: auditOp });
    expect(store.getState().audits.lab).toMatchObject({ running: false, error: null });
    expect(store.getState().ops[auditOp!]?.status).toBe('cancelled');
    expect(store.getState().connections.lab?.state).toBe('disconnected');
  });

  it('asks for the passphrase on SECRET_REQUIRED and retries with it', async () => {
    let attempts = 0;
    bridge.script['ssh.connect'] = (req) => {
      attempts++;
      if (!req.passphrase) throw new ScriptedError('SECRET_REQUIRED', 'The key needs its passphrase.', undefined, 'passphrase');
      if (req.passphrase !== 'right') throw new ScriptedError('AUTH_FAILED', 'The passphrase does not unlock the key.');
      return connectResult;
    };
    await store.getState().loadProfiles();
    await store.getState().connect('lab');
    expect(store.getState().secretRequest).toEqual({ profile: 'lab', kind: 'passphrase', error: null, submitting: false });
    expect(store.getState().connections.lab?.state).toBe('disconnected');

    await store.getState().submitSecret('wrong', false);
    expect(store.getState().secretRequest?.error?.code).toBe('AUTH_FAILED');

    await store.getState().submitSecret('right', false);
    expect(store.getState().secretRequest).toBeNull();
    expect(store.getState().connections.lab?.state).toBe('connected');
    expect(attempts).toBe(3);
    expect(bridge.callsTo('ssh.connect').map((r) => r.passphrase)).toEqual([undefined, 'wrong', 'right']);
    // The secret went to the core and nowhere else: it is not in the store.
    expect(JSON.stringify(store.getState())).not.toContain('right"');
  });

  it('offers to remember a password through profiles.save, and says so when it could not', async () => {
    bridge.script['ssh.connect'] = (req) => {
      if (!req.password) throw new ScriptedError('SECRET_REQUIRED', 'Password needed.', undefined, 'password');
      return connectResult;
    };
    bridge.script['profiles.save'] = (req) => ({ profile: (req as { profile: typeof labProfile }).profile, secretStored: false });
    await store.getState().loadProfiles();
    await store.getState().connect('lab');
    await store.getState().submitSecret('pw', true);
    expect(bridge.callsTo('profiles.save')[0]).toMatchObject({ secret: { kind: 'password', value: 'pw', remember: true } });
    expect(store.getState().notices.at(-1)?.message).toMatch(/not remembered/);
    expect(store.getState().connections.lab?.state).toBe('connected');
  });

  it('blocks on a changed host key with no retry path', async () => {
    bridge.script['ssh.connect'] = () => {
      throw new ScriptedError('HOST_KEY_CHANGED', 'The host key of 127.0.0.1:2222 has changed.', 'Remove the old key if you rebuilt the VM.');
    };
    await store.getState().loadProfiles();
    expect(await store.getState().connect('lab')).toBe(false);
    const s = store.getState();
    expect(s.connections.lab?.state).toBe('failed');
    expect(s.hostKeyChanged?.error).toMatchObject({ code: 'HOST_KEY_CHANGED', hint: 'Remove the old key if you rebuilt the VM.' });
    expect(s.secretRequest).toBeNull();
  });

  it('shares one attempt between simultaneous connects', async () => {
    await store.getState().loadProfiles();
    await Promise.all([store.getState().connect('lab'), store.getState().connect('lab')]);
    expect(bridge.callsTo('ssh.connect')).toHaveLength(1);
  });

  it('follows connection.state events and refreshes after a reconnect', async () => {
    await store.getState().loadProfiles();
    await store.getState().connect('lab');
    await settle();
    const before = bridge.callsTo('snapshots.list').length;
    bridge.emit('connection.state', { profile: 'lab', state: 'reconnecting', message: 'The VM is rebooting.' });
    expect(store.getState().connections.lab).toMatchObject({ state: 'reconnecting', message: 'The VM is rebooting.' });
    bridge.emit('connection.state', { profile: 'lab', state: 'connected' });
    await settle();
    expect(store.getState().connections.lab?.state).toBe('connected');
    expect(bridge.callsTo('snapshots.list').length).toBe(before + 1);
  });

  it('stays disconnected when a command cut short by the user\'s Disconnect is reported as a drop', async () => {
    bridge.script['ssh.disconnect'] = () => ({ ok: true as const });
    await store.getState().loadProfiles();
    await store.getState().connect('lab');
    await settle();
    await store.getState().disconnect('lab');
    bridge.emit('connection.state', { profile: 'lab', state: 'failed', message: 'The connection to lab@127.0.0.1:2222 dropped while running "id -u".' });
    expect(store.getState().connections.lab).toMatchObject({ state: 'disconnected', message: null });
    // A real failure while connected still shows.
    await store.getState().connect('lab');
    bridge.emit('connection.state', { profile: 'lab', state: 'failed', message: 'gone' });
    expect(store.getState().connections.lab).toMatchObject({ state: 'failed', message: 'gone' });
  });

  it('turns a cancelled connect into a plain disconnected state', async () => {
    bridge.script['ssh.connect'] = () => {
      throw new ScriptedError('CANCELLED', 'Cancelled by the user.');
    };
    await store.getState().loadProfiles();
    await store.getState().connect('lab');
    expect(store.getState().connections.lab).toMatchObject({ state: 'disconnected', error: null });
  });

  it('loads the journal, VM state and snapshots even when SSH fails, so an open experiment can be reverted', async () => {
    bridge.script['ssh.connect'] = () => {
      throw new ScriptedError('CONNECT_FAILED', 'Connection refused by 127.0.0.1:2222.', 'Is the VM running?');
    };
    bridge.script['journal.list'] = () => ({
      experiments: [{ id: 'e1', profile: 'lab', step: 'ssh', status: 'open', startedAt: '2026-11-29T06:00:00Z', snapshot: { id: 'snap-2', name: 'hl-before-ssh' }, log: [] }],
      open: ['e1'],
    });
    await store.getState().boot();
    await settle();
    const s = store.getState();
    expect(s.connections.lab).toMatchObject({ state: 'failed', error: { code: 'CONNECT_FAILED', hint: 'Is the VM running?' } });
    expect(s.journals.lab?.data?.open).toEqual(['e1']);
    expect(s.snapshotLists.lab?.data?.currentId).toBe('snap-2');
    expect(s.vmStates.lab?.data?.state).toBe('running');
    // No audit without SSH.
    expect(bridge.callsTo('audit.run')).toHaveLength(0);
  });
});

describe('host-key prompts', () => {
  const prompt = { promptId: 'p1', profile: 'lab', host: '127.0.0.1', port: 2222, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', expiresAt: '2026-11-29T06:01:00Z' };

  it('queues prompts from events, answers them, and drops them when resolved', async () => {
    bridge.script['ssh.hostKeyAnswer'] = () => ({ ok: true });
    bridge.emit('hostKey.prompt', prompt);
    bridge.emit('hostKey.prompt', { ...prompt, promptId: 'p2' });
    expect(store.getState().hostKeyPrompts.map((p) => p.promptId)).toEqual(['p1', 'p2']);
    await store.getState().answerHostKey('p1', 'trust-remember');
    expect(bridge.callsTo('ssh.hostKeyAnswer')).toEqual([{ promptId: 'p1', decision: 'trust-remember' }]);
    expect(store.getState().hostKeyPrompts.map((p) => p.promptId)).toEqual(['p2']);
    bridge.emit('hostKey.resolved', { promptId: 'p2', decision: 'cancel' });
    expect(store.getState().hostKeyPrompts).toEqual([]);
  });

  it('keeps the prompt and shows the error when the answer fails', async () => {
    bridge.script['ssh.hostKeyAnswer'] = () => {
      throw new ScriptedError('INTERNAL', 'Internal error: boom');
    };
    bridge.emit('hostKey.prompt', prompt);
    await store.getState().answerHostKey('p1', 'trust-once');
    expect(store.getState().hostKeyPrompts).toHaveLength(1);
    expect(store.getState().hostKeyError?.message).toBe('Internal error: boom');
  });
});
