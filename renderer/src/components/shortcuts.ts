import type { ViewId } from '../store';

/**
 * The app's keyboard shortcuts, in one place for the handler and the help
 * dialog. Revert is Ctrl+Shift+Z: Ctrl+Shift+letter is the terminal-emulator
 * convention for app commands (like Ctrl+Shift+C/V/F), shells get Ctrl+Z
 * (suspend) without Shift, and the terminal pane hands this chord to the app
 * instead of sending ^Z.
 */
export const NAV_ITEMS: Array<{ id: ViewId; label: string; key: string }> = [
  { id: 'dashboard', label: 'Dashboard', key: '1' },
  { id: 'walkthrough', label: 'Walkthrough', key: '2' },
  { id: 'steps', label: 'Steps', key: '3' },
  { id: 'snapshots', label: 'Snapshots', key: '4' },
  { id: 'journal', label: 'Journal', key: '5' },
  { id: 'terminal', label: 'Terminal', key: '6' },
  { id: 'connections', label: 'Connections', key: '7' },
  { id: 'system', label: 'System check', key: '8' },
  { id: 'canaries', label: 'Canaries', key: '9' },
  { id: 'trials', label: 'Trials', key: '0' },
  { id: 'fleet', label: 'Roll out', key: 'R' },
];

export const REVERT_SHORTCUT_LABEL = 'Ctrl+Shift+Z';

export const SHORTCUTS: Array<{ keys: string; what: string }> = [
  { keys: 'Alt+1 … Alt+9, Alt+0, Alt+R', what: 'Go to Dashboard, Walkthrough, Steps, Snapshots, Journal, Terminal, Connections, System check, Canaries, Trials, Roll out' },
  { keys: REVERT_SHORTCUT_LABEL, what: 'Revert the VM to a snapshot (from anywhere, also inside a terminal)' },
  { keys: 'Ctrl+Shift+C', what: 'Copy the terminal selection' },
  { keys: 'Ctrl+Shift+V', what: 'Paste into the terminal' },
  { keys: 'Ctrl+Shift+F', what: 'Search the terminal output (Enter: next, Shift+Enter: previous)' },
  { keys: 'Escape', what: 'Close a dialog or the terminal search' },
  { keys: '?', what: 'Show this list (outside text fields and terminals)' },
];

interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

export function isRevertShortcut(e: KeyLike): boolean {
  return (e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && (e.key.toLowerCase() === 'z' || e.code === 'KeyZ');
}

/** Alt+digit (not AltGr, which reports Ctrl too): the view to switch to, if any. */
export function navShortcut(e: KeyLike): ViewId | null {
  if (!e.altKey || e.ctrlKey || e.metaKey) return null;
  // The key's place on the keyboard, not the character it types (Alt changes that on some layouts).
  const key = e.code?.startsWith('Digit') ? e.code.slice(5) : e.code?.startsWith('Key') ? e.code.slice(3) : e.key.toUpperCase();
  return NAV_ITEMS.find((i) => i.key === key)?.id ?? null;
}

export function isTerminalChord(e: KeyLike, letter: 'c' | 'v' | 'f'): boolean {
  return e.ctrlKey && e.shiftKey && !e.altKey && (e.key.toLowerCase() === letter || e.code === `Key${letter.toUpperCase()}`);
}
