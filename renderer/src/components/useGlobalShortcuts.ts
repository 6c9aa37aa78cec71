import { useEffect } from 'react';
import { appStore } from '../store';
import { isRevertShortcut, navShortcut } from './shortcuts';

const isEditable = (el: Element | null): boolean =>
  !!el && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el as HTMLElement).isContentEditable || !!el.closest('.xterm'));

/** App-wide keys. A terminal keeps Alt+digits for its shell; it passes the revert chord up (see TerminalPane). */
export function useGlobalShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const s = appStore.getState();
      if (isRevertShortcut(e)) {
        e.preventDefault();
        s.openRevertDialog(null);
        return;
      }
      const view = navShortcut(e);
      if (view && !document.querySelector('dialog[open]')) {
        e.preventDefault();
        s.setView(view);
        return;
      }
      if (e.key === '?' && !e.ctrlKey && !e.altKey && !e.metaKey && !isEditable(document.activeElement) && !document.querySelector('dialog[open]')) {
        e.preventDefault();
        s.setShortcutsOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
