import type { Profile } from '../../../shared/profile';
import { call, errorText } from '../api/client';
import { readPref, writePref } from './storage';
import type { Outcome, Slice } from './types';

export interface SecretInput {
  kind: 'password' | 'passphrase';
  value: string;
  remember: boolean;
}

export interface ProfilesSlice {
  profiles: Profile[];
  profilesLoaded: boolean;
  activeProfile: string | null;
  loadProfiles: () => Promise<void>;
  /** Saves (and with a secret, offers it to the OS keychain); does not change the active profile. */
  saveProfile: (p: Profile, secret?: SecretInput) => Promise<Outcome<{ profile: Profile; secretStored: boolean }>>;
  deleteProfile: (name: string) => Promise<Outcome<true>>;
  /** Makes a profile the active one and, unless told otherwise, connects to it. */
  selectProfile: (name: string | null, opts?: { connect?: boolean }) => void;
}

const ACTIVE_KEY = 'hl.activeProfile';

export const createProfilesSlice: Slice<ProfilesSlice> = (set, get) => ({
  profiles: [],
  profilesLoaded: false,
  activeProfile: null,
  loadProfiles: async () => {
    const { profiles } = await call('profiles.list', {});
    const has = (n: string | null): n is string => n !== null && profiles.some((p) => p.name === n);
    const current = get().activeProfile;
    const remembered = readPref(ACTIVE_KEY);
    const active = has(current) ? current : has(remembered) ? remembered : (profiles[0]?.name ?? null);
    set({ profiles, profilesLoaded: true, activeProfile: active });
  },
  saveProfile: async (profile, secret) => {
    try {
      const res = await call('profiles.save', { profile, ...(secret ? { secret } : {}) });
      await get().loadProfiles();
      return { ok: true, value: res };
    } catch (e) {
      return { ok: false, error: errorText(e) };
    }
  },
  deleteProfile: async (name) => {
    try {
      const conn = get().connections[name];
      if (conn && (conn.state === 'connected' || conn.state === 'reconnecting')) await call('ssh.disconnect', { profile: name }).catch(() => undefined);
      await call('profiles.delete', { name });
      get().forgetProfileState(name);
      if (get().activeProfile === name) set({ activeProfile: null });
      await get().loadProfiles();
      return { ok: true, value: true };
    } catch (e) {
      return { ok: false, error: errorText(e) };
    }
  },
  selectProfile: (name, opts = {}) => {
    writePref(ACTIVE_KEY, name);
    set({ activeProfile: name });
    if (!name) return;
    // Journal, VM state and snapshots come from this machine and the hypervisor, not over SSH:
    // an unfinished experiment is offered for revert even when the VM does not answer.
    void get().refreshProfileData(name);
    if (opts.connect === false) return;
    const state = get().connections[name]?.state;
    if (state !== 'connected' && state !== 'connecting' && state !== 'reconnecting') void get().connect(name);
  },
});
