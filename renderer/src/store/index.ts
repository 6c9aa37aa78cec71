import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { createAppSlice } from './app';
import { createProfilesSlice } from './profiles';
import { createActivitySlice } from './activity';
import { createHostKeySlice } from './hostKey';
import { createConnectionSlice } from './connection';
import { createVmSlice } from './vm';
import { createStepsSlice } from './steps';
import { createAuditSlice } from './audit';
import { createJournalSlice } from './journal';
import { createLabSlice } from './lab';
import { createTerminalsSlice } from './terminals';
import { createUiSlice } from './ui';
import { createWalkthroughSlice } from './walkthrough';
import { createCanariesSlice } from './canaries';
import { createTrialsSlice } from './trials';
import { createFleetSlice } from './fleet';
import type { AppState } from './types';

/**
 * One store made of typed slices (one file each); actions live beside the
 * state they change. Built with zustand's vanilla createStore so its logic is
 * testable without React; components read it through useApp(selector), with
 * useShallow for selectors that build objects or arrays.
 */
export type { AppState, Loadable, Outcome } from './types';
export type { ViewId, Theme } from './app';
export type { Notice, OpInfo, OpKind } from './activity';
export type { ConnectionEntry, ConnectionStateName } from './connection';
export type { StepRun } from './steps';
export type { TerminalTab } from './terminals';
export { runKey, emptyRun } from './steps';
export { emptyCanaries } from './canaries';
export { emptyTrialRun, type TrialRun, type PolicyListEntry } from './trials';
export { emptyFleet, type FleetState, type FleetForm } from './fleet';
export { runningOp } from './activity';

export function createAppStore() {
  return createStore<AppState>()((...a) => ({
    ...createAppSlice(...a),
    ...createProfilesSlice(...a),
    ...createActivitySlice(...a),
    ...createHostKeySlice(...a),
    ...createConnectionSlice(...a),
    ...createVmSlice(...a),
    ...createStepsSlice(...a),
    ...createAuditSlice(...a),
    ...createJournalSlice(...a),
    ...createLabSlice(...a),
    ...createTerminalsSlice(...a),
    ...createUiSlice(...a),
    ...createWalkthroughSlice(...a),
    ...createCanariesSlice(...a),
    ...createTrialsSlice(...a),
    ...createFleetSlice(...a),
  }));
}

export type AppStore = ReturnType<typeof createAppStore>;

export const appStore = createAppStore();

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
