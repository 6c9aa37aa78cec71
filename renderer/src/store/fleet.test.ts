import { beforeEach, describe, expect, it } from 'vitest';
import type { FleetHost, FleetRun } from '../../../shared/fleet';
import { setBridgeForTests } from '../api/client';
import { createTerminalRouter } from '../terminal/router';
import { scriptedBridge, ScriptedError, type ScriptedBridge } from '../testing/scriptedBridge';
import { labProfile } from '../testing/fixtures';
import { wireEvents } from './events';
import { createAppStore, type AppStore } from './index';

const host = (name: string, o: Partial<FleetHost> = {}): FleetHost => ({ name, batch: 1, status: 'changed', changed: 2, proofs: { held: 12, failed: [] }, diffs: [], ...o });
const fleetRun = (mode: 'plan' | 'rollout', hosts: FleetHost[], outcome: FleetRun['outcome'] = 'done'): FleetRun => ({
  id: `20261204T220000-${mode}-ab12cd`,
  mode,
  profile: 'lab',
  experiments: ['20261204T210000-ssh-ab12'],
  inventory: '/srv/inventory.ini',
  batches: [1, '100%'],
  planned: [['web1'], ['web2']],
  deadlineS: 120,
  startedAt: '2026-12-04T22:00:00.000Z',
  outcome,
  hosts,
  dir: '/home/me/.local/share/hardenlab/fleet/x',
  notes: [],
});

let bridge: ScriptedBridge;
let store: AppStore;

beforeEach(async () => {
  bridge = scriptedBridge({
    'profiles.list': () => ({ profiles: [labProfile] }),
    'fleet.plan': () => ({ run: fleetRun('plan', [host('web1'), host('web2')]) }),
    'fleet.rollout': (req) => {
      // Ansible's rows come as events while the call runs.
      bridge.emit('fleet.host', { opId: req.opId as string, host: host('web1', { status: 'running' }) });
      expect(store.getState().fleet.lab?.live.web1?.status).toBe('running');
      return { run: fleetRun('rollout', [host('web1', { status: 'restored', restored: 'engine 2026-12-04T22:01:00Z 0' }), host('web2', { batch: null, status: 'not-run' })], 'stopped') };
    },
  });
  setBridgeForTests(bridge.api);
  store = createAppStore();
  wireEvents(bridge.api.on, store, createTerminalRouter());
  await store.getState().loadProfiles();
});

describe('roll out: the form, the plan, and the live rollout', () => {
  it('sends the form as typed (trimmed, optional fields left out), keeps the plan, and takes the live rows of its own run', async () => {
    const s = store.getState();
    await s.planFleet('lab');
    expect(bridge.callsTo('fleet.plan')).toHaveLength(0); // nothing chosen yet
    s.setFleetForm('lab', { experimentId: '20261204T210000-ssh-ab12', inventory: '  /srv/inventory.ini ', batches: '1,100%' });
    await store.getState().planFleet('lab');
    expect(bridge.callsTo('fleet.plan').at(-1)).toEqual({ profile: 'lab', experimentId: '20261204T210000-ssh-ab12', inventory: '/srv/inventory.ini', batches: '1,100%', deadlineS: 120, opId: expect.any(String) });
    expect(store.getState().fleet.lab?.plan?.hosts.map((h) => h.name)).toEqual(['web1', 'web2']);

    // A row of another run (another opId) is not ours.
    bridge.emit('fleet.host', { opId: 'someone-else', host: host('db1') });
    await store.getState().rollOut('lab');
    const f = store.getState().fleet.lab!;
    expect(f.rollout).toMatchObject({ outcome: 'stopped', hosts: [{ name: 'web1', status: 'restored' }, { name: 'web2', status: 'not-run' }] });
    expect(Object.keys(f.live)).toEqual(['web1']);
    // The rollout keeps the plan it followed; changing the inventory throws the plan away.
    expect(f.plan).not.toBeNull();
    store.getState().setFleetForm('lab', { inventory: '/srv/other.ini' });
    expect(store.getState().fleet.lab?.plan).toBeNull();
  });

  it('a refusal is an error to show; a cancel is not', async () => {
    store.getState().setFleetForm('lab', { experimentId: 'x', inventory: '/srv/inventory.ini' });
    bridge.script['fleet.plan'] = () => {
      throw new ScriptedError('BAD_INPUT', '/srv/inventory.ini is executable, so Ansible would run it as an inventory script.');
    };
    await store.getState().planFleet('lab');
    expect(store.getState().fleet.lab).toMatchObject({ busy: null, error: { code: 'BAD_INPUT', message: expect.stringMatching(/executable/) } });
    bridge.script['fleet.plan'] = () => {
      throw new ScriptedError('CANCELLED', 'Cancelled.');
    };
    await store.getState().planFleet('lab');
    expect(store.getState().fleet.lab).toMatchObject({ busy: null, error: null });
  });
});
