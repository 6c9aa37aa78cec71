import type { ApplyResultShape, PlanShape, StepInfo } from '../../../shared/domain';
import { call, errorText, type ErrorView } from '../api/client';
import { rememberListItems } from '../lib/stepOptions';
import type { Slice } from './types';
import { planKeptAfter } from '../../../shared/plan-kept';
import { canaryStateAfter } from '../lib/canaryRows';

/**
 * Plan and apply, per profile and step. A plan is data (files before/after,
 * commands, warnings); apply runs it inside the engine's snapshot
 * transaction and returns what was proved or what was restored. The engine
 * forgets a plan once it was applied (or refused), so a used plan is marked
 * and the UI asks for a new one.
 */
export interface StepRun {
  planning: boolean;
  planOpId: string | null;
  plan: PlanShape | null;
  planError: ErrorView | null;
  /** Options for the next plan; null means the step's defaults. */
  options: Record<string, unknown> | null;
  /** Every item seen in list options, so an unticked item stays in the checklist. */
  listItems: Record<string, string[]>;
  applying: boolean;
  applyOpId: string | null;
  result: ApplyResultShape | null;
  applyError: ErrorView | null;
  /** The plan was handed to the engine; applying it again needs a new plan. */
  planUsed: boolean;
  /** Reboot after verify and prove again; null means the step's default (plan.proveRebootByDefault). */
  proveReboot: boolean | null;
}

export interface StepsSlice {
  steps: StepInfo[];
  stepsLoaded: boolean;
  stepsError: ErrorView | null;
  selectedStep: string | null;
  runs: Record<string, StepRun>;
  loadSteps: () => Promise<void>;
  selectStep: (id: string | null) => void;
  setStepOptions: (profile: string, step: string, options: Record<string, unknown> | null) => void;
  planStep: (profile: string, step: string) => Promise<void>;
  applyPlan: (profile: string, step: string, confirmWarnings: boolean) => Promise<ApplyResultShape | null>;
  resetStepRun: (profile: string, step: string) => void;
  setProveReboot: (profile: string, step: string, on: boolean) => void;
  dismissApplyError: (profile: string, step: string) => void;
}


export const runKey = (profile: string, step: string): string => `${profile}/${step}`;

export const emptyRun: StepRun = {
  planning: false,
  planOpId: null,
  plan: null,
  planError: null,
  options: null,
  listItems: {},
  applying: false,
  applyOpId: null,
  result: null,
  applyError: null,
  planUsed: false,
  proveReboot: null,
};

/** Whether the next apply proves the change across a reboot: the person's choice, else the step's default. */
export function proveRebootOf(run: Pick<StepRun, 'proveReboot' | 'plan'>): boolean {
  return run.proveReboot ?? run.plan?.proveRebootByDefault ?? false;
}

export const createStepsSlice: Slice<StepsSlice> = (set, get) => {
  const put = (profile: string, step: string, p: Partial<StepRun> | ((r: StepRun) => Partial<StepRun>)) =>
    set((s) => {
      const key = runKey(profile, step);
      const cur = s.runs[key] ?? emptyRun;
      return { runs: { ...s.runs, [key]: { ...cur, ...(typeof p === 'function' ? p(cur) : p) } } };
    });
  const title = (step: string) => get().steps.find((s) => s.id === step)?.title ?? step;

  return {
    steps: [],
    stepsLoaded: false,
    stepsError: null,
    selectedStep: null,
    runs: {},
    loadSteps: async () => {
      try {
        const { steps } = await call('steps.list', {});
        const sorted = [...steps].sort((a, b) => a.guideOrder - b.guideOrder);
        set((s) => ({ steps: sorted, stepsLoaded: true, stepsError: null, selectedStep: s.selectedStep ?? sorted[0]?.id ?? null }));
      } catch (e) {
        set({ stepsLoaded: true, stepsError: errorText(e) });
      }
    },
    selectStep: (id) => set({ selectedStep: id }),
    setStepOptions: (profile, step, options) => put(profile, step, { options }),
    planStep: async (profile, step) => {
      const run = get().runs[runKey(profile, step)] ?? emptyRun;
      if (run.planning || run.applying) return;
      const opId = get().beginOp('plan', `Plan “${title(step)}”`, profile, true);
      put(profile, step, { planning: true, planOpId: opId, planError: null, applyError: null, result: null });
      try {
        const { plan } = await call('steps.plan', { profile, step, opId, ...(run.options ? { options: run.options } : {}) });
        get().finishOp(opId, 'done');
        put(profile, step, (r) => ({
          planning: false,
          plan,
          planUsed: false,
          options: plan.options ?? r.options,
          listItems: rememberListItems(r.listItems, plan.options),
        }));
      } catch (e) {
        const error = errorText(e);
        get().finishOp(opId, error.code === 'CANCELLED' ? 'cancelled' : 'failed', error);
        put(profile, step, { planning: false, planError: error.code === 'CANCELLED' ? null : error });
      }
    },
    applyPlan: async (profile, step, confirmWarnings) => {
      const run = get().runs[runKey(profile, step)];
      if (!run?.plan || run.applying || run.planUsed) return null;
      const opId = get().beginOp('apply', `Apply “${title(step)}”`, profile, true);
      put(profile, step, { applying: true, applyOpId: opId, applyError: null, result: null, planUsed: true });
      try {
        const { result } = await call('steps.apply', { profile, planId: run.plan.id, confirmWarnings, proveReboot: proveRebootOf(run), opId });
        get().finishOp(opId, result.outcome === 'verified' || result.outcome === 'nothing-to-do' ? 'done' : 'failed', result.error ?? null);
        put(profile, step, { applying: false, result });
        const state = canaryStateAfter(result);
        if (state) get().noteCanaryRun(profile, { at: new Date().toISOString(), results: state });
        return result;
      } catch (e) {
        const error = errorText(e);
        get().finishOp(opId, error.code === 'CANCELLED' ? 'cancelled' : 'failed', error);
        // Refusals before anything changed keep the plan in the engine: a busy VM (apply once it is free),
        // a risk that needs confirming, or no snapshot to go back to (link the VM, then apply).
        put(profile, step, { applying: false, applyError: error, planUsed: !planKeptAfter(error.code) });
        return null;
      } finally {
        void get().refreshProfileData(profile, { audit: true });
      }
    },
    dismissApplyError: (profile, step) => put(profile, step, { applyError: null }),
    resetStepRun: (profile, step) => put(profile, step, (r) => ({ ...emptyRun, options: r.options, listItems: r.listItems, proveReboot: r.proveReboot })),
    setProveReboot: (profile, step, on) => put(profile, step, { proveReboot: on }),
  };
};
