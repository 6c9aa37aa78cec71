import type { Slice } from './types';

/** App-wide dialogs that any view (or a keyboard shortcut) can open. */
export interface UiSlice {
  revertDialog: { open: boolean; preselect: string | null };
  shortcutsOpen: boolean;
  openRevertDialog: (preselect?: string | null) => void;
  closeRevertDialog: () => void;
  setShortcutsOpen: (open: boolean) => void;
}

export const createUiSlice: Slice<UiSlice> = (set) => ({
  revertDialog: { open: false, preselect: null },
  shortcutsOpen: false,
  openRevertDialog: (preselect = null) => set({ revertDialog: { open: true, preselect } }),
  closeRevertDialog: () => set({ revertDialog: { open: false, preselect: null } }),
  setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }),
});
