import type { HostKeyPrompt } from '../../../shared/contract';
import type { HostKeyDecision } from '../../../shared/domain';
import { call, errorText, type ErrorView } from '../api/client';
import type { Slice } from './types';

export interface HostKeySlice {
  hostKeyPrompts: HostKeyPrompt[];
  hostKeyAnswering: string | null;
  hostKeyError: ErrorView | null;
  pushHostKeyPrompt: (p: HostKeyPrompt) => void;
  dropHostKeyPrompt: (promptId: string) => void;
  answerHostKey: (promptId: string, decision: HostKeyDecision) => Promise<void>;
}

export const createHostKeySlice: Slice<HostKeySlice> = (set) => ({
  hostKeyPrompts: [],
  hostKeyAnswering: null,
  hostKeyError: null,
  pushHostKeyPrompt: (p) => set((s) => ({ hostKeyPrompts: [...s.hostKeyPrompts.filter((x) => x.promptId !== p.promptId), p] })),
  dropHostKeyPrompt: (promptId) =>
    set((s) => ({
      hostKeyPrompts: s.hostKeyPrompts.filter((x) => x.promptId !== promptId),
      ...(s.hostKeyAnswering === promptId ? { hostKeyAnswering: null, hostKeyError: null } : {}),
    })),
  answerHostKey: async (promptId, decision) => {
    set({ hostKeyAnswering: promptId, hostKeyError: null });
    try {
      await call('ssh.hostKeyAnswer', { promptId, decision });
      set((s) => ({ hostKeyPrompts: s.hostKeyPrompts.filter((x) => x.promptId !== promptId), hostKeyAnswering: null }));
    } catch (e) {
      const err = errorText(e);
      // An answer to a prompt that already expired: the prompt is gone on the core side too.
      if (err.code === 'NOT_FOUND') set((s) => ({ hostKeyPrompts: s.hostKeyPrompts.filter((x) => x.promptId !== promptId), hostKeyAnswering: null }));
      else set({ hostKeyAnswering: null, hostKeyError: err });
    }
  },
});
