import { beforeEach, describe, expect, it } from 'vitest';
import type { ApplyResultShape, BisectionShape } from '../../../shared/domain';
import type { TrialPlanShape } from '../../../shared/policy';
import { setBridgeForTests } from '../api/client';
import { scriptedBridge, ScriptedError, type ScriptedBridge } from '../testing/scriptedBridge';
import { labProfile, snapshots, sshPlan } from '../testing/fixtures';
import { createAppStore, type AppStore } from './index';

const policy = { name: 'kspp', version: 2, title: 'KSPP', description: '', source: { name: 'kernel-hardening-checker' }, steps: [{ step: 'sysctl', options: {}, enabled: true, settings: [{ id: 'kernel.kptr_restrict', enabled: true }, { id: 'kernel.unprivileged_userns_clone', enabled: true }] }] };
const units = ['sysctl:kernel.kptr_restrict', 'sysctl:kernel.unprivileged_userns_clone'];
const score = { passed: 40, total: 80, percent: 50 };
const plan = (id: string, without: string[] = []): TrialPlanShape => ({
  id,
  profile: 'lab',
  createdAt: '2026-12-04T10:00:00.000Z',
  policy: { name: 'kspp', version: 2, title: 'KSPP' },
  without,
  parts: [{ ...sshPlan, id: `${id}-sysctl`, step: 'sysctl' }],
  skipped: [],
  units: units.filter((u) => !without.includes(u)),
  warnings: [],
  nothingToDo: false,
  rebootRequired: false,
  proveRebootByDefault: true,
  canaries: ['ssh-login'],
  auditBefore: score,
});
const reverted: ApplyResultShape = {
  experimentId: '20261204T100000-trial-ab12',
  step: 'trial',
  outcome: 'reverted',
  snapshot: { id: 'snap-1', name: 'baseline' },
  checks: [],
  phases: [],
  durationMs: 5000,
  trial: { policy: { name: 'kspp', version: 2, title: 'KSPP' }, without: [], steps: ['sysctl'], units, baseline: { id: 'snap-1', name: 'baseline' }, resultSnapshot: null, auditBefore: score, files: [] },
};
const bisection: BisectionShape = {
  experimentId: '20261204T101000-bisect-cd34',
  policy: { name: 'kspp', version: 2, title: 'KSPP' },
  baseline: { id: 'snap-1', name: 'baseline' },
  units,
  rounds: [{ round: 1, tried: ['sysctl:kernel.kptr_restrict'], outcome: 'held', failed: [], durationMs: 1000 }],
  culprit: ['sysctl:kernel.unprivileged_userns_clone'],
  combination: false,
  roundBound: 2,
  suggestion: { without: ['sysctl:kernel.unprivileged_userns_clone'] },
  outcome: 'found',
  durationMs: 2000,
};

let bridge: ScriptedBridge;
let store: AppStore;

beforeEach(async () => {
  let n = 0;
  bridge = scriptedBridge({
    'profiles.list': () => ({ profiles: [labProfile] }),
    'journal.list': () => ({ experiments: [], open: [] }),
    'vm.state': () => ({ hypervisor: 'qemu', id: 'lab', name: 'lab', state: 'running', accessible: true }),
    'snapshots.list': () => snapshots,
    'audit.run': () => ({ profile: 'lab', at: '2026-12-04T10:00:00.000Z', checks: [], score }),
    'policies.list': () => ({ policies: [{ policy, builtIn: true, units }] }),
    'policies.show': () => ({ policy, builtIn: true, units, steps: [{ step: 'sysctl', title: 'Kernel hardening sysctls', readOnly: false, enabled: true, settings: units.map((u) => ({ id: u.slice(7), unit: u, enabled: true, why: 'why' })) }] }),
    'trials.plan': (req) => ({ plan: plan(`trial-plan-${++n}`, req.without as string[]) }),
    'trials.run': () => ({ result: reverted }),
    'trials.bisect': () => ({ bisection }),
  });
  setBridgeForTests(bridge.api);
  store = createAppStore();
  await store.getState().loadProfiles();
});

describe('trials: the person\'s choices, and what goes to the core', () => {
  it('unticked settings go out as `without`; the preview turns the reboot proof on when the policy recommends it', async () => {
    const s = store.getState();
    await s.loadPolicies();
    s.choosePolicy('lab', 'kspp');
    s.toggleUnit('lab', 'sysctl:kernel.kptr_restrict', false);
    s.toggleUnit('lab', 'sysctl:kernel.kptr_restrict', false);
    await store.getState().planTrial('lab');
    expect(bridge.callsTo('trials.plan').at(-1)).toMatchObject({ profile: 'lab', policy: 'kspp', without: ['sysctl:kernel.kptr_restrict'] });
    expect(store.getState().trials.lab).toMatchObject({ proveReboot: true, plan: { units: ['sysctl:kernel.unprivileged_userns_clone'] } });
    // Ticking it again, or picking another policy, throws the preview away.
    store.getState().toggleUnit('lab', 'sysctl:kernel.kptr_restrict', true);
    expect(store.getState().trials.lab).toMatchObject({ without: [], plan: null });
  });

  it('a used plan is gone after the run, later trials start from its baseline, and the bisection\'s suggestion is previewed from it', async () => {
    const s = store.getState();
    s.choosePolicy('lab', 'kspp');
    await s.planTrial('lab');
    const r = await store.getState().runTrial('lab', true);
    expect(r?.outcome).toBe('reverted');
    expect(bridge.callsTo('trials.run').at(-1)).toMatchObject({ planId: 'trial-plan-1', confirmWarnings: true, proveReboot: true });
    expect(store.getState().trials.lab).toMatchObject({ plan: null, from: 'baseline', running: false });
    await store.getState().bisectTrial('lab');
    expect(bridge.callsTo('trials.bisect').at(-1)).toMatchObject({ experimentId: reverted.experimentId });
    await store.getState().tryWithoutCulprit('lab');
    expect(bridge.callsTo('trials.plan').at(-1)).toMatchObject({ without: ['sysctl:kernel.unprivileged_userns_clone'], from: 'baseline' });
    expect(store.getState().trials.lab?.plan?.units).toEqual(['sysctl:kernel.kptr_restrict']);
  });

  it('a refusal comes back as an error to show, and a cancel is not one', async () => {
    const s = store.getState();
    s.choosePolicy('lab', 'kspp');
    bridge.script['trials.plan'] = () => {
      throw new ScriptedError('NO_WAY_BACK', 'The profile "lab" is not linked to a hypervisor VM.');
    };
    await s.planTrial('lab');
    expect(store.getState().trials.lab?.planError).toMatchObject({ code: 'NO_WAY_BACK' });
    bridge.script['trials.plan'] = () => {
      throw new ScriptedError('CANCELLED', 'Cancelled.');
    };
    await store.getState().planTrial('lab');
    expect(store.getState().trials.lab).toMatchObject({ planError: null, planning: false });
    bridge.script['policies.import'] = () => {
      throw new ScriptedError('BAD_INPUT', '"kernel.x;reboot" is not a valid setting name.');
    };
    expect(await store.getState().importPolicy('{}')).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });

  it('a removed policy is no longer chosen anywhere', async () => {
    bridge.script['policies.remove'] = () => ({ removed: true });
    store.getState().choosePolicy('lab', 'mine');
    store.getState().toggleUnit('lab', 'sysctl:kernel.kptr_restrict', false);
    expect(await store.getState().removePolicy('mine')).toEqual({ ok: true, value: true });
    expect(store.getState().trials.lab).toMatchObject({ policy: null, without: [] });
    expect(store.getState().policyDetails.mine).toBeUndefined();
  });
});
