import type { AuditReportShape } from '../../../shared/domain';
import { call, errorText, type ErrorView } from '../api/client';
import type { Slice } from './types';

export interface AuditEntry {
  report: AuditReportShape | null;
  running: boolean;
  opId: string | null;
  error: ErrorView | null;
}

export interface AuditSlice {
  audits: Record<string, AuditEntry>;
  runAudit: (profile: string) => Promise<void>;
}

const empty: AuditEntry = { report: null, running: false, opId: null, error: null };

export const createAuditSlice: Slice<AuditSlice> = (set, get) => ({
  audits: {},
  runAudit: async (profile) => {
    if (get().audits[profile]?.running) return;
    const opId = get().beginOp('audit', `Audit ${profile}`, profile, true);
    const put = (p: Partial<AuditEntry>) => set((s) => ({ audits: { ...s.audits, [profile]: { ...(s.audits[profile] ?? empty), ...p } } }));
    put({ running: true, opId, error: null });
    try {
      const report = await call('audit.run', { profile, opId });
      get().finishOp(opId, 'done');
      put({ report, running: false });
    } catch (e) {
      const error = errorText(e);
      get().finishOp(opId, error.code === 'CANCELLED' ? 'cancelled' : 'failed', error);
      put({ running: false, error: error.code === 'CANCELLED' ? null : error });
    }
  },
});
