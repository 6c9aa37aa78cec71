import type { FleetHost, FleetRun } from '../../../shared/fleet';
import { call, errorText, type ErrorView } from '../api/client';
import type { Slice } from './types';

/**
 * The Roll out view's state, per profile: which proven change goes to which
 * inventory, the plan (`--check --diff` per host), the staged rollout and its
 * live rows (from `fleet.host` events). The core checks every field again;
 * the UI only keeps the person's choices and what came back.
 */
export interface FleetForm {
  experimentId: string | null;
  inventory: string;
  limit: string;
  batches: string;
  deadlineS: number;
}

export interface FleetState {
  form: FleetForm;
  busy: 'plan' | 'rollout' | null;
  opId: string | null;
  /** Rows of the run going on now, by host, as they come. */
  live: Record<string, FleetHost>;
  plan: FleetRun | null;
  rollout: FleetRun | null;
  error: ErrorView | null;
}

export const emptyFleet: FleetState = {
  form: { experimentId: null, inventory: '', limit: '', batches: '1,50%,100%', deadlineS: 120 },
  busy: null,
  opId: null,
  live: {},
  plan: null,
  rollout: null,
  error: null,
};

export interface FleetSlice {
  fleet: Record<string, FleetState>;
  setFleetForm: (profile: string, form: Partial<FleetForm>) => void;
  /** A host's row as Ansible reports it, for the run whose opId it carries. */
  noteFleetHost: (opId: string | undefined, host: FleetHost) => void;
  planFleet: (profile: string) => Promise<void>;
  rollOut: (profile: string) => Promise<void>;
}

export const createFleetSlice: Slice<FleetSlice> = (set, get) => {
  const put = (profile: string, p: Partial<FleetState> | ((f: FleetState) => Partial<FleetState>)) =>
    set((s) => {
      const cur = s.fleet[profile] ?? emptyFleet;
      return { fleet: { ...s.fleet, [profile]: { ...cur, ...(typeof p === 'function' ? p(cur) : p) } } };
    });
  const state = (profile: string) => get().fleet[profile] ?? emptyFleet;

  const go = async (profile: string, mode: 'plan' | 'rollout') => {
    const f = state(profile);
    if (f.busy || !f.form.experimentId || !f.form.inventory.trim()) return;
    const opId = get().beginOp('apply', mode === 'plan' ? `Plan the rollout of ${f.form.experimentId}` : `Roll out ${f.form.experimentId}`, profile, true);
    // A new plan starts over; a rollout keeps the plan it was looked at with.
    put(profile, { busy: mode, opId, live: {}, error: null, ...(mode === 'plan' ? { plan: null, rollout: null } : { rollout: null }) });
    try {
      const { run } = await call(mode === 'plan' ? 'fleet.plan' : 'fleet.rollout', {
        profile,
        experimentId: f.form.experimentId,
        inventory: f.form.inventory.trim(),
        ...(f.form.limit.trim() ? { limit: f.form.limit.trim() } : {}),
        ...(f.form.batches.trim() ? { batches: f.form.batches.trim() } : {}),
        deadlineS: f.form.deadlineS,
        opId,
      });
      get().finishOp(opId, run.outcome === 'done' ? 'done' : 'failed');
      put(profile, { busy: null, ...(mode === 'plan' ? { plan: run } : { rollout: run }) });
    } catch (e) {
      const error = errorText(e);
      get().finishOp(opId, error.code === 'CANCELLED' ? 'cancelled' : 'failed', error);
      put(profile, { busy: null, error: error.code === 'CANCELLED' ? null : error });
    }
  };

  return {
    fleet: {},
    setFleetForm: (profile, form) => put(profile, (f) => ({ form: { ...f.form, ...form }, ...(form.experimentId !== undefined || form.inventory !== undefined || form.limit !== undefined ? { plan: null } : {}) })),
    noteFleetHost: (opId, host) => {
      if (!opId) return;
      const profile = Object.keys(get().fleet).find((p) => get().fleet[p]!.opId === opId);
      if (profile) put(profile, (f) => ({ live: { ...f.live, [host.name]: host } }));
    },
    planFleet: (profile) => go(profile, 'plan'),
    rollOut: (profile) => go(profile, 'rollout'),
  };
};
