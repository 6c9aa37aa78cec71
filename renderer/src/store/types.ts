import type { StateCreator } from 'zustand/vanilla';
import type { ErrorView } from '../api/client';
import type { AppSlice } from './app';
import type { ProfilesSlice } from './profiles';
import type { ActivitySlice } from './activity';
import type { HostKeySlice } from './hostKey';
import type { ConnectionSlice } from './connection';
import type { VmSlice } from './vm';
import type { StepsSlice } from './steps';
import type { AuditSlice } from './audit';
import type { JournalSlice } from './journal';
import type { LabSlice } from './lab';
import type { TerminalsSlice } from './terminals';
import type { UiSlice } from './ui';
import type { WalkthroughSlice } from './walkthrough';
import type { CanariesSlice } from './canaries';
import type { TrialsSlice } from './trials';
import type { FleetSlice } from './fleet';

export type AppState = AppSlice &
  ProfilesSlice &
  ActivitySlice &
  HostKeySlice &
  ConnectionSlice &
  VmSlice &
  StepsSlice &
  AuditSlice &
  JournalSlice &
  LabSlice &
  TerminalsSlice &
  UiSlice &
  WalkthroughSlice &
  CanariesSlice &
  TrialsSlice &
  FleetSlice;

export type Slice<T> = StateCreator<AppState, [], [], T>;

/** Data fetched from the core, with what the UI needs to show while it loads or after it failed. */
export interface Loadable<T> {
  data: T | null;
  loading: boolean;
  error: ErrorView | null;
  /** When data last arrived (ms since epoch). */
  at: number | null;
}

export function emptyLoadable<T>(): Loadable<T> {
  return { data: null, loading: false, error: null, at: null };
}

/** Result of an action a form waits for: the value, or an error to show beside the form. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorView };
