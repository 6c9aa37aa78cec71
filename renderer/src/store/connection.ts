import type { EventPayload } from '../../../shared/contract';
import type { ConnectResult } from '../../../shared/domain';
import { call, errorText, type ErrorView } from '../api/client';
import type { Slice } from './types';

/**
 * SSH connection per profile. The state comes from ssh.connect's reply and
 * from `connection.state` events (reconnecting after a reboot or a restore).
 * Two failures need the person: SECRET_REQUIRED opens the password or
 * passphrase prompt (and a retry with it), HOST_KEY_CHANGED opens a blocking
 * warning with no way through.
 */
export type ConnectionStateName = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

export interface ConnectionEntry {
  state: ConnectionStateName;
  since: number;
  result: ConnectResult | null;
  error: ErrorView | null;
  message: string | null;
  opId: string | null;
}

export interface SecretRequest {
  profile: string;
  kind: 'password' | 'passphrase';
  /** Set when a typed secret was refused, to say so beside the field. */
  error: ErrorView | null;
  submitting: boolean;
}

export interface ConnectionSlice {
  connections: Record<string, ConnectionEntry>;
  secretRequest: SecretRequest | null;
  hostKeyChanged: { profile: string; error: ErrorView } | null;
  connect: (profile: string, secret?: { password?: string; passphrase?: string }) => Promise<boolean>;
  disconnect: (profile: string) => Promise<void>;
  submitSecret: (value: string, remember: boolean) => Promise<void>;
  cancelSecret: () => void;
  dismissHostKeyChanged: () => void;
  applyConnectionEvent: (e: EventPayload<'connection.state'>) => void;
  /** Loads what the dashboard shows about a freshly connected VM. */
  refreshProfileData: (profile: string, opts?: { audit?: boolean }) => Promise<void>;
  forgetProfileState: (profile: string) => void;
}

const inflight = new Map<string, Promise<boolean>>();
/** Profiles the user disconnected on purpose (see applyConnectionEvent). */
const userDisconnected = new Set<string>();

const entry = (prev: ConnectionEntry | undefined, patch: Partial<ConnectionEntry>): ConnectionEntry => ({
  state: 'disconnected',
  since: Date.now(),
  result: null,
  error: null,
  message: null,
  opId: null,
  ...prev,
  ...patch,
  ...(patch.state && patch.state !== prev?.state ? { since: Date.now() } : {}),
});

export const createConnectionSlice: Slice<ConnectionSlice> = (set, get) => {
  const patch = (profile: string, p: Partial<ConnectionEntry>) => set((s) => ({ connections: { ...s.connections, [profile]: entry(s.connections[profile], p) } }));

  const doConnect = async (profile: string, secret?: { password?: string; passphrase?: string }): Promise<boolean> => {
    userDisconnected.delete(profile);
    const opId = get().beginOp('connect', `Connect to ${profile}`, profile, true);
    patch(profile, { state: 'connecting', error: null, message: null, opId });
    try {
      const result = await call('ssh.connect', { profile, opId, ...secret });
      get().finishOp(opId, 'done');
      patch(profile, { state: 'connected', result, error: null, message: null });
      set((s) => (s.secretRequest?.profile === profile ? { secretRequest: null } : {}));
      const firstTime = !get().audits[profile]?.report;
      void get().refreshProfileData(profile, { audit: firstTime });
      return true;
    } catch (e) {
      const error = errorText(e);
      get().finishOp(opId, error.code === 'CANCELLED' ? 'cancelled' : 'failed', error);
      if (error.code === 'SECRET_REQUIRED' || (secret && error.code === 'AUTH_FAILED')) {
        const p = get().profiles.find((x) => x.name === profile);
        const kind: 'password' | 'passphrase' =
          error.detail === 'password' || error.detail === 'passphrase' ? error.detail : p?.auth.kind === 'password' ? 'password' : 'passphrase';
        patch(profile, { state: 'disconnected', error: null, message: kind === 'password' ? 'Waiting for the password.' : 'Waiting for the key passphrase.' });
        set({ secretRequest: { profile, kind, error: secret ? error : null, submitting: false } });
        return false;
      }
      patch(profile, { state: error.code === 'CANCELLED' ? 'disconnected' : 'failed', error: error.code === 'CANCELLED' ? null : error, message: null });
      if (error.code === 'HOST_KEY_CHANGED') set({ hostKeyChanged: { profile, error } });
      return false;
    }
  };

  return {
    connections: {},
    secretRequest: null,
    hostKeyChanged: null,
    connect: (profile, secret) => {
      const running = inflight.get(profile);
      if (running) return running;
      const p = doConnect(profile, secret).finally(() => inflight.delete(profile));
      inflight.set(profile, p);
      return p;
    },
    disconnect: async (profile) => {
      userDisconnected.add(profile);
      patch(profile, { state: 'disconnected', result: null, error: null, message: null });
      // Read-only work still running on this connection (the first audit, a plan) is cancelled first:
      // cut off by the closing connection it would fail with "dropped while running", which after a
      // deliberate Disconnect is only noise.
      const readOnly = Object.values(get().ops).filter((o) => o.profile === profile && o.status === 'running' && o.cancellable && (o.kind === 'audit' || o.kind === 'plan'));
      await Promise.allSettled(readOnly.map((o) => get().cancelOp(o.id)));
      try {
        await call('ssh.disconnect', { profile });
      } catch {
        /* already gone is fine */
      }
      patch(profile, { state: 'disconnected', result: null, error: null, message: null });
    },
    submitSecret: async (value, remember) => {
      const req = get().secretRequest;
      if (!req) return;
      set({ secretRequest: { ...req, submitting: true, error: null } });
      if (remember) {
        const profile = get().profiles.find((p) => p.name === req.profile);
        if (profile) {
          const saved = await get().saveProfile(profile, { kind: req.kind, value, remember: true });
          if (saved.ok && !saved.value.secretStored) {
            const why = get().info?.remember?.reason ?? 'This computer has no keychain Harden Lab can use; it is kept for this session only.';
            get().notify({ level: 'info', message: `The ${req.kind} was not remembered.`, hint: why });
          }
        }
      }
      await get().connect(req.profile, req.kind === 'password' ? { password: value } : { passphrase: value });
      set((s) => (s.secretRequest && s.secretRequest.profile === req.profile ? { secretRequest: { ...s.secretRequest, submitting: false } } : {}));
    },
    cancelSecret: () => {
      const req = get().secretRequest;
      set({ secretRequest: null });
      if (req) patch(req.profile, { state: 'disconnected', message: null, error: { message: `Not connected: the ${req.kind} was not given.`, hint: 'Connect again when you have it.' } });
    },
    dismissHostKeyChanged: () => set({ hostKeyChanged: null }),
    applyConnectionEvent: (e) => {
      const prev = get().connections[e.profile];
      // A command cut short by the user's own Disconnect makes the core report the drop as a failure
      // ("dropped while running ... the VM may have rebooted"), or retry it: after a deliberate
      // disconnect that is noise, until the connection is really back.
      if (userDisconnected.has(e.profile)) {
        if (e.state !== 'connected') return;
        userDisconnected.delete(e.profile);
      }
      patch(e.profile, { state: e.state, message: e.message ?? null, ...(e.state === 'connected' ? { error: null } : {}) });
      // Back after a reboot or a restore: what the dashboard shows may have changed.
      if (e.state === 'connected' && prev?.state === 'reconnecting') void get().refreshProfileData(e.profile);
    },
    refreshProfileData: async (profile, opts = {}) => {
      const p = get().profiles.find((x) => x.name === profile);
      const jobs: Promise<unknown>[] = [get().loadJournal(profile)];
      if (p?.hypervisor) jobs.push(get().loadVmState(profile), get().loadSnapshots(profile));
      if (opts.audit) jobs.push(get().runAudit(profile));
      await Promise.allSettled(jobs);
    },
    forgetProfileState: (profile) =>
      set((s) => {
        const omit = <T>(r: Record<string, T>): Record<string, T> => {
          const { [profile]: _drop, ...rest } = r;
          return rest;
        };
        return {
          connections: omit(s.connections),
          vmStates: omit(s.vmStates),
          snapshotLists: omit(s.snapshotLists),
          audits: omit(s.audits),
          journals: omit(s.journals),
          walkthroughs: omit(s.walkthroughs),
        };
      }),
  };
};
