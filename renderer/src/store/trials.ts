import type { Res } from '../../../shared/contract';
import type { ApplyResultShape, BisectionShape } from '../../../shared/domain';
import type { PolicyDetail, TrialComparisonShape, TrialPlanShape } from '../../../shared/policy';
import { call, errorText, type ErrorView } from '../api/client';
import { canaryStateAfter } from '../lib/canaryRows';
import { emptyLoadable, type Loadable, type Outcome, type Slice } from './types';

/**
 * Policies (whole baselines as data) and the trials of them on each profile:
 * the combined preview, the run as one transaction, the bisection of a failed
 * trial, and the comparison of trials from one baseline. The core checks
 * every policy and unit; the UI only keeps the person's choices.
 */
export interface TrialRun {
  policy: string | null;
  /** Units left out of the next trial (unticked settings, or the bisection's suggestion). */
  without: string[];
  /** Start from this snapshot (restored first), e.g. the baseline of an earlier trial. */
  from: string | null;
  proveReboot: boolean;
  planning: boolean;
  planOpId: string | null;
  plan: TrialPlanShape | null;
  planError: ErrorView | null;
  running: boolean;
  runOpId: string | null;
  result: ApplyResultShape | null;
  runError: ErrorView | null;
  bisecting: boolean;
  bisectOpId: string | null;
  bisection: BisectionShape | null;
  bisectError: ErrorView | null;
  comparing: boolean;
  comparison: TrialComparisonShape | null;
  compareError: ErrorView | null;
}

export const emptyTrialRun: TrialRun = {
  policy: null,
  without: [],
  from: null,
  proveReboot: false,
  planning: false,
  planOpId: null,
  plan: null,
  planError: null,
  running: false,
  runOpId: null,
  result: null,
  runError: null,
  bisecting: false,
  bisectOpId: null,
  bisection: null,
  bisectError: null,
  comparing: false,
  comparison: null,
  compareError: null,
};

export type PolicyListEntry = Res<'policies.list'>['policies'][number];

export interface TrialsSlice {
  policies: Loadable<PolicyListEntry[]>;
  policyDetails: Record<string, Loadable<PolicyDetail>>;
  trials: Record<string, TrialRun>;
  loadPolicies: () => Promise<void>;
  loadPolicyDetail: (name: string) => Promise<void>;
  /** Picks a policy for the next trial: its unticked settings and the preview start over. */
  choosePolicy: (profile: string, name: string) => void;
  toggleUnit: (profile: string, unit: string, included: boolean) => void;
  setTrialFrom: (profile: string, from: string | null) => void;
  setTrialProveReboot: (profile: string, on: boolean) => void;
  planTrial: (profile: string) => Promise<void>;
  runTrial: (profile: string, confirmWarnings: boolean) => Promise<ApplyResultShape | null>;
  bisectTrial: (profile: string) => Promise<void>;
  /** The bisection's suggestion as the next trial: the same policy without the culprit, from the same baseline. */
  tryWithoutCulprit: (profile: string) => Promise<void>;
  compareTrials: (profile: string, experimentIds: string[]) => Promise<void>;
  exportComparison: (profile: string, experimentIds: string[], format: 'markdown' | 'html') => Promise<Outcome<{ fileName: string; content: string; mime: string }>>;
  savePolicy: (policy: unknown) => Promise<Outcome<string>>;
  importPolicy: (text: string) => Promise<Outcome<string>>;
  exportPolicy: (name: string, format: 'yaml' | 'json') => Promise<Outcome<Res<'policies.export'>>>;
  removePolicy: (name: string) => Promise<Outcome<boolean>>;
}

const settled = (error: ErrorView) => (error.code === 'CANCELLED' ? 'cancelled' : 'failed');

export const createTrialsSlice: Slice<TrialsSlice> = (set, get) => {
  const put = (profile: string, p: Partial<TrialRun> | ((r: TrialRun) => Partial<TrialRun>)) =>
    set((s) => {
      const cur = s.trials[profile] ?? emptyTrialRun;
      return { trials: { ...s.trials, [profile]: { ...cur, ...(typeof p === 'function' ? p(cur) : p) } } };
    });
  const run = (profile: string) => get().trials[profile] ?? emptyTrialRun;
  const outcome = async <T>(f: () => Promise<T>): Promise<Outcome<T>> => {
    try {
      return { ok: true, value: await f() };
    } catch (e) {
      return { ok: false, error: errorText(e) };
    }
  };
  const afterSave = async (name: string) => {
    await get().loadPolicies();
    set((s) => ({ policyDetails: { ...s.policyDetails, [name]: emptyLoadable() } }));
    return name;
  };

  return {
    policies: emptyLoadable(),
    policyDetails: {},
    trials: {},
    loadPolicies: async () => {
      set((s) => ({ policies: { ...s.policies, loading: true } }));
      try {
        const { policies } = await call('policies.list', {});
        set({ policies: { data: policies, loading: false, error: null, at: Date.now() } });
      } catch (e) {
        set((s) => ({ policies: { ...s.policies, loading: false, error: errorText(e) } }));
      }
    },
    loadPolicyDetail: async (name) => {
      const putDetail = (d: Partial<Loadable<PolicyDetail>>) => set((s) => ({ policyDetails: { ...s.policyDetails, [name]: { ...(s.policyDetails[name] ?? emptyLoadable()), ...d } } }));
      putDetail({ loading: true, error: null });
      try {
        putDetail({ data: await call('policies.show', { name }), loading: false, at: Date.now() });
      } catch (e) {
        putDetail({ loading: false, error: errorText(e) });
      }
    },
    choosePolicy: (profile, name) => {
      if (run(profile).policy === name) return;
      put(profile, { policy: name, without: [], plan: null, planError: null, runError: null });
      if (!get().policyDetails[name]?.data) void get().loadPolicyDetail(name);
    },
    toggleUnit: (profile, unit, included) =>
      put(profile, (r) => ({ without: included ? r.without.filter((u) => u !== unit) : [...new Set([...r.without, unit])], plan: null })),
    setTrialFrom: (profile, from) => put(profile, { from, plan: null }),
    setTrialProveReboot: (profile, proveReboot) => put(profile, { proveReboot }),
    planTrial: async (profile) => {
      const r = run(profile);
      if (!r.policy || r.planning || r.running || r.bisecting) return;
      const opId = get().beginOp('plan', `Preview the trial of “${r.policy}”`, profile, true);
      put(profile, { planning: true, planOpId: opId, planError: null, result: null, runError: null, bisection: null, bisectError: null });
      try {
        const { plan } = await call('trials.plan', { profile, policy: r.policy, without: r.without, ...(r.from ? { from: r.from } : {}), opId });
        get().finishOp(opId, 'done');
        put(profile, (cur) => ({ planning: false, plan, proveReboot: cur.proveReboot || plan.proveRebootByDefault }));
      } catch (e) {
        const error = errorText(e);
        get().finishOp(opId, settled(error), error);
        put(profile, { planning: false, planError: error.code === 'CANCELLED' ? null : error });
      } finally {
        // A preview from a snapshot restored it first.
        if (r.from) void get().refreshProfileData(profile, { audit: true });
      }
    },
    runTrial: async (profile, confirmWarnings) => {
      const r = run(profile);
      if (!r.plan || r.running) return null;
      const opId = get().beginOp('apply', `Trial of “${r.plan.policy.title}”`, profile, true);
      put(profile, { running: true, runOpId: opId, runError: null, result: null, bisection: null, bisectError: null });
      try {
        const { result } = await call('trials.run', { profile, planId: r.plan.id, confirmWarnings, proveReboot: r.proveReboot, opId });
        get().finishOp(opId, result.outcome === 'verified' || result.outcome === 'nothing-to-do' ? 'done' : 'failed', result.error ?? null);
        // The engine forgets a used plan: the next trial needs a new preview. Later trials start
        // from this one's baseline, so that they compare.
        put(profile, (cur) => ({ running: false, result, plan: null, from: cur.from ?? result.trial?.baseline?.name ?? null }));
        const state = canaryStateAfter(result);
        if (state) get().noteCanaryRun(profile, { at: new Date().toISOString(), results: state });
        return result;
      } catch (e) {
        const error = errorText(e);
        get().finishOp(opId, settled(error), error);
        put(profile, { running: false, runError: error.code === 'CANCELLED' ? null : error });
        return null;
      } finally {
        void get().refreshProfileData(profile, { audit: true });
      }
    },
    bisectTrial: async (profile) => {
      const r = run(profile);
      if (!r.result || r.bisecting || r.running) return;
      const opId = get().beginOp('apply', `Find the culprit in “${r.result.trial?.policy.title ?? 'the trial'}”`, profile, true);
      put(profile, { bisecting: true, bisectOpId: opId, bisectError: null, bisection: null });
      try {
        const { bisection } = await call('trials.bisect', { profile, experimentId: r.result.experimentId, proveReboot: r.proveReboot, opId });
        get().finishOp(opId, bisection.outcome === 'found' ? 'done' : bisection.outcome === 'cancelled' ? 'cancelled' : 'failed');
        put(profile, { bisecting: false, bisection });
      } catch (e) {
        const error = errorText(e);
        get().finishOp(opId, settled(error), error);
        put(profile, { bisecting: false, bisectError: error });
      } finally {
        void get().refreshProfileData(profile, { audit: true });
      }
    },
    tryWithoutCulprit: async (profile) => {
      const b = run(profile).bisection;
      if (!b) return;
      put(profile, { policy: b.policy.name, without: b.suggestion.without, from: b.baseline.name, plan: null });
      await get().planTrial(profile);
    },
    compareTrials: async (profile, experimentIds) => {
      put(profile, { comparing: true, compareError: null });
      try {
        const { comparison } = await call('trials.compare', { profile, experimentIds, format: 'json' });
        put(profile, { comparing: false, comparison });
      } catch (e) {
        put(profile, { comparing: false, comparison: null, compareError: errorText(e) });
      }
    },
    exportComparison: (profile, experimentIds, format) =>
      outcome(async () => {
        const { report } = await call('trials.compare', { profile, experimentIds, format });
        if (!report) throw new Error('The core sent no report.');
        return report;
      }),
    savePolicy: (policy) => outcome(async () => afterSave((await call('policies.save', { policy, replace: false })).policy.name)),
    importPolicy: (text) => outcome(async () => afterSave((await call('policies.import', { text, replace: false })).policy.name)),
    exportPolicy: (name, format) => outcome(() => call('policies.export', { name, format })),
    removePolicy: (name) =>
      outcome(async () => {
        const { removed } = await call('policies.remove', { name });
        // Whoever had it chosen goes back to the first policy (the view picks it).
        set((s) => ({
          policyDetails: Object.fromEntries(Object.entries(s.policyDetails).filter(([k]) => k !== name)),
          trials: Object.fromEntries(Object.entries(s.trials).map(([p, r]) => [p, r.policy === name ? { ...r, policy: null, without: [], plan: null } : r])),
        }));
        await get().loadPolicies();
        return removed;
      }),
  };
};
