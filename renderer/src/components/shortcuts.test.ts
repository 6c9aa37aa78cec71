import { describe, expect, it } from 'vitest';
import { isRevertShortcut, isTerminalChord, navShortcut } from './shortcuts';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; shiftKey: boolean; altKey: boolean; metaKey: boolean }> = {}, code?: string) => ({
  key: k,
  ...(code ? { code } : {}),
  ctrlKey: false,
  shiftKey: false,
  altKey: false,
  metaKey: false,
  ...mods,
});

describe('shortcuts', () => {
  it('revert is Ctrl+Shift+Z (or Cmd+Shift+Z), never plain Ctrl+Z which the shell needs', () => {
    expect(isRevertShortcut(key('Z', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(isRevertShortcut(key('z', { metaKey: true, shiftKey: true }))).toBe(true);
    expect(isRevertShortcut(key('z', { ctrlKey: true }))).toBe(false);
    expect(isRevertShortcut(key('Z', { ctrlKey: true, shiftKey: true, altKey: true }))).toBe(false);
  });
  it('Alt+digit switches views, by physical key too; AltGr (Ctrl+Alt) does not', () => {
    expect(navShortcut(key('4', { altKey: true }, 'Digit4'))).toBe('snapshots');
    expect(navShortcut(key('¡', { altKey: true }, 'Digit1'))).toBe('dashboard');
    expect(navShortcut(key('4', { altKey: true, ctrlKey: true }, 'Digit4'))).toBeNull();
    expect(navShortcut(key('9', { altKey: true }, 'Digit9'))).toBe('canaries');
    expect(navShortcut(key('0', { altKey: true }, 'Digit0'))).toBe('trials');
    expect(navShortcut(key('-', { altKey: true }, 'Minus'))).toBeNull();
  });
  it('terminal chords need Ctrl+Shift', () => {
    expect(isTerminalChord(key('C', { ctrlKey: true, shiftKey: true }), 'c')).toBe(true);
    expect(isTerminalChord(key('c', { ctrlKey: true }), 'c')).toBe(false);
    expect(isTerminalChord(key('F', { ctrlKey: true, shiftKey: true }, 'KeyF'), 'f')).toBe(true);
  });
});
