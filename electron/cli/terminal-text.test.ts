import { describe, expect, it } from 'vitest';
import { formatProgress } from './progress';
import { terminalSafe } from './terminal-text';

describe('text from the VM on the operator terminal', () => {
  it.each([
    ['colours and cursor moves', 'exit 1\x1b[31m red\x1b[0m \x1b[2J\x1b[1;1H', 'exit 1 red '],
    ['a window title and a clipboard write (OSC 52)', 'a\x1b]0;pwned\x07b\x1b]52;c;ZWNobyBoaQ==\x1b\\c', 'abc'],
    ['a carriage return that would overwrite the line', 'FAIL\rpass', 'FAILpass'],
    ['C1 controls and DEL', 'x\x9b2Jy\x85z\x7f', 'xyz'],
    ['backspaces', 'FAIL\b\b\b\bpass', 'FAILpass'],
  ])('drops %s', (_what, raw, safe) => {
    expect(terminalSafe(raw)).toBe(safe);
  });

  it('keeps newlines, tabs and any printable text, including non-ASCII', () => {
    expect(terminalSafe('line 1\n\tline 2 – ünïcode ✓\r\n')).toBe('line 1\n\tline 2 – ünïcode ✓\n');
  });

  it('applies to progress lines', () => {
    expect(formatProgress({ phase: 'verify', message: 'Canary agent: FAILS (\x1b]0;owned\x07exit 1\x1b[K)' }, 1000)).toBe('[   1.0s] verify: Canary agent: FAILS (exit 1)\n');
  });
});
