import { call, errorText, type ErrorView } from '../api/client';
import type { Slice } from './types';

/**
 * Terminal tabs. The store holds what the tab strip shows (title, status,
 * why it closed); the xterm instances and their output live in the
 * components and the terminal router, outside React state, because output
 * arrives many times a second.
 */
export interface TerminalTab {
  key: string;
  profile: string;
  title: string;
  terminalId: string | null;
  status: 'opening' | 'open' | 'exited' | 'failed';
  reason: string | null;
  error: ErrorView | null;
  /** Bumped by Reconnect: the pane opens a new session when it changes. */
  generation: number;
}

export interface TerminalsSlice {
  terminals: TerminalTab[];
  activeTerminal: string | null;
  newTerminalTab: (profile: string) => string;
  /** Opens the shell for a tab's current generation; a reply for a closed tab or an older generation is closed again. */
  openTerminalSession: (key: string, cols: number, rows: number) => Promise<string | null>;
  reconnectTerminal: (key: string) => void;
  terminalExited: (terminalId: string, reason: string) => void;
  closeTerminalTab: (key: string) => Promise<void>;
  setActiveTerminal: (key: string) => void;
}

let tabCounter = 0;

export const createTerminalsSlice: Slice<TerminalsSlice> = (set, get) => {
  const update = (key: string, p: Partial<TerminalTab>) => set((s) => ({ terminals: s.terminals.map((t) => (t.key === key ? { ...t, ...p } : t)) }));

  return {
    terminals: [],
    activeTerminal: null,
    newTerminalTab: (profile) => {
      tabCounter += 1;
      const key = `tab-${tabCounter}`;
      const same = get().terminals.filter((t) => t.profile === profile).length;
      const title = same === 0 ? profile : `${profile} (${same + 1})`;
      set((s) => ({
        terminals: [...s.terminals, { key, profile, title, terminalId: null, status: 'opening', reason: null, error: null, generation: 0 }],
        activeTerminal: key,
      }));
      return key;
    },
    openTerminalSession: async (key, cols, rows) => {
      const tab = get().terminals.find((t) => t.key === key);
      if (!tab) return null;
      const generation = tab.generation;
      update(key, { status: 'opening', error: null, reason: null, terminalId: null });
      try {
        const { terminalId } = await call('terminal.open', { profile: tab.profile, cols, rows });
        // The tab may have been closed (or reconnected) while the shell was opening: close the orphan.
        if (!get().terminals.some((t) => t.key === key && t.generation === generation)) {
          void call('terminal.close', { terminalId }).catch(() => undefined);
          return null;
        }
        update(key, { terminalId, status: 'open' });
        return terminalId;
      } catch (e) {
        update(key, { status: 'failed', error: errorText(e) });
        return null;
      }
    },
    reconnectTerminal: (key) => set((s) => ({ terminals: s.terminals.map((t) => (t.key === key ? { ...t, status: 'opening', terminalId: null, reason: null, error: null, generation: t.generation + 1 } : t)) })),
    terminalExited: (terminalId, reason) => set((s) => ({ terminals: s.terminals.map((t) => (t.terminalId === terminalId ? { ...t, status: 'exited', reason } : t)) })),
    closeTerminalTab: async (key) => {
      const tabs = get().terminals;
      const idx = tabs.findIndex((t) => t.key === key);
      const tab = tabs[idx];
      if (!tab) return;
      const rest = tabs.filter((t) => t.key !== key);
      const nextActive = get().activeTerminal === key ? (rest[Math.min(idx, rest.length - 1)]?.key ?? null) : get().activeTerminal;
      set({ terminals: rest, activeTerminal: nextActive });
      if (tab.terminalId && tab.status === 'open') await call('terminal.close', { terminalId: tab.terminalId }).catch(() => undefined);
    },
    setActiveTerminal: (key) => set({ activeTerminal: key }),
  };
};
