import { describe, expect, it } from 'vitest';
import { formatDuration, formatElapsed, formatRelative } from './format';
import { profileNameFor, uniqueName } from '../../../shared/profile-name';
import { safeFileName } from './download';
import { isNearBottom } from './scroll';

describe('formatting', () => {
  it('formats elapsed and durations', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(65_400)).toBe('1:05');
    expect(formatElapsed(3_723_000)).toBe('1:02:03');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4_240)).toBe('4.2 s');
    expect(formatDuration(192_000)).toBe('3 min 12 s');
  });
  it('formats relative times both ways', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(formatRelative('2026-11-29T11:59:50Z', now)).toBe('just now');
    expect(formatRelative('2026-11-29T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-11-28T12:00:00Z', now)).toBe('1 day ago');
    expect(formatRelative('2026-11-29T15:00:00Z', now)).toBe('in 3 h');
    expect(formatRelative('garbage', now)).toBe('unknown time');
  });
});

describe('names and files', () => {
  it('derives valid, unique profile names from VM names', () => {
    expect(profileNameFor('Alpine Lab (3.20)')).toBe('Alpine-Lab-3.20');
    expect(profileNameFor('???')).toBe('virtualbox-vm');
    expect(uniqueName('lab', ['lab', 'lab-2'])).toBe('lab-3');
    expect(uniqueName('lab', [])).toBe('lab');
  });
  it('keeps export file names plain', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('lab journal 2026-11-29.md')).toBe('lab journal 2026-11-29.md');
    expect(safeFileName('..')).toBe('harden-lab-export.txt');
  });
  it('knows when a log reader is at the bottom', () => {
    expect(isNearBottom(800, 200, 1000)).toBe(true);
    expect(isNearBottom(500, 200, 1000)).toBe(false);
  });
});

describe('commandLine', () => {
  it('quotes only what the shell needs', async () => {
    const { commandLine } = await import('./commandLine');
    expect(commandLine(['systemctl', 'reload', 'ssh'])).toBe('systemctl reload ssh');
    expect(commandLine(['sh', '-c', 'echo $(reboot)'])).toBe("sh -c 'echo $(reboot)'");
  });
});
