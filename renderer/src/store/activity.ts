import type { ProgressEvent } from '../../../shared/contract';
import { call, newOpId, type ErrorView } from '../api/client';
import type { Slice } from './types';

/**
 * Notices (short messages in the corner), and long operations: each has an
 * opId that the core tags its `progress` events with, so any view can show
 * the phase, the log and the elapsed time of any operation by its id.
 */
export interface Notice {
  id: number;
  level: 'info' | 'success' | 'error';
  message: string;
  hint?: string;
}

export type OpKind = 'lab' | 'connect' | 'plan' | 'apply' | 'restore' | 'snapshot' | 'audit' | 'revert' | 'canaries';
export type OpStatus = 'running' | 'done' | 'failed' | 'cancelled';

export interface OpInfo {
  id: string;
  kind: OpKind;
  label: string;
  profile: string | null;
  startedAt: number;
  endedAt: number | null;
  status: OpStatus;
  error: ErrorView | null;
  /** Whether op.cancel is safe to offer (read-only work, or before anything changed). */
  cancellable: boolean;
  cancelRequested: boolean;
}

export interface ActivitySlice {
  notices: Notice[];
  progress: Record<string, ProgressEvent[]>;
  ops: Record<string, OpInfo>;
  notify: (n: Omit<Notice, 'id'>) => void;
  dismiss: (id: number) => void;
  addProgress: (e: ProgressEvent) => void;
  beginOp: (kind: OpKind, label: string, profile: string | null, cancellable: boolean) => string;
  finishOp: (id: string, status: Exclude<OpStatus, 'running'>, error?: ErrorView | null) => void;
  cancelOp: (id: string) => Promise<boolean>;
}

const MAX_EVENTS_PER_OP = 500;
const KEEP_FINISHED_OPS = 40;

let noticeId = 0;

export const createActivitySlice: Slice<ActivitySlice> = (set, get) => ({
  notices: [],
  progress: {},
  ops: {},
  notify: (n) => {
    noticeId += 1;
    const id = noticeId;
    set((s) => ({ notices: [...s.notices.slice(-3), { ...n, id }] }));
  },
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  addProgress: (e) => set((s) => ({ progress: { ...s.progress, [e.opId]: [...(s.progress[e.opId] ?? []), e].slice(-MAX_EVENTS_PER_OP) } })),
  beginOp: (kind, label, profile, cancellable) => {
    const id = newOpId(kind);
    set((s) => {
      // Forget the oldest finished operations so a long session does not grow without bound.
      const finished = Object.values(s.ops)
        .filter((o) => o.status !== 'running')
        .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
      const drop = new Set(finished.slice(KEEP_FINISHED_OPS).map((o) => o.id));
      const ops: Record<string, OpInfo> = {};
      for (const [k, v] of Object.entries(s.ops)) if (!drop.has(k)) ops[k] = v;
      const progress: Record<string, ProgressEvent[]> = {};
      for (const [k, v] of Object.entries(s.progress)) if (!drop.has(k)) progress[k] = v;
      ops[id] = { id, kind, label, profile, startedAt: Date.now(), endedAt: null, status: 'running', error: null, cancellable, cancelRequested: false };
      return { ops, progress };
    });
    return id;
  },
  finishOp: (id, status, error = null) =>
    set((s) => {
      const op = s.ops[id];
      if (!op) return {};
      return { ops: { ...s.ops, [id]: { ...op, status, error, endedAt: Date.now() } } };
    }),
  cancelOp: async (id) => {
    const op = get().ops[id];
    if (!op || op.status !== 'running') return false;
    set((s) => ({ ops: { ...s.ops, [id]: { ...op, cancelRequested: true } } }));
    try {
      const { cancelled } = await call('op.cancel', { opId: id });
      return cancelled;
    } catch {
      return false;
    }
  },
});

/** Finds the running operation of a kind for a profile, if any. */
export function runningOp(ops: Record<string, OpInfo>, kind: OpKind, profile: string | null): OpInfo | null {
  for (const op of Object.values(ops)) if (op.status === 'running' && op.kind === kind && op.profile === profile) return op;
  return null;
}
