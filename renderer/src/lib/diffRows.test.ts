import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../shared/diff';
import { diffStats, diffTextFor, fileChange, highlightConfigLine, parseUnifiedDiff, sideBySideFolded } from './diffRows';

const before = ['# sshd', 'Port 22', 'PermitRootLogin yes', 'PasswordAuthentication yes', 'UsePAM yes', 'X11Forwarding yes', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'Subsystem sftp internal-sftp', ''].join('\n');
const after = before.replace('PermitRootLogin yes', 'PermitRootLogin no').replace('PasswordAuthentication yes\n', '').replace('Subsystem sftp internal-sftp', 'Subsystem sftp internal-sftp\nAllowTcpForwarding no');

describe('parseUnifiedDiff', () => {
  it('numbers old and new lines from the hunk headers', () => {
    const rows = parseUnifiedDiff(unifiedDiff('/etc/ssh/sshd_config', before, after));
    const hunks = rows.filter((r) => r.kind === 'hunk');
    expect(hunks).toHaveLength(2);
    const removed = rows.filter((r) => r.kind === 'remove');
    expect(removed.map((r) => (r.kind === 'remove' ? [r.oldNo, r.text] : null))).toEqual([
      [3, 'PermitRootLogin yes'],
      [4, 'PasswordAuthentication yes'],
    ]);
    const added = rows.filter((r) => r.kind === 'add');
    expect(added.map((r) => (r.kind === 'add' ? [r.newNo, r.text] : null))).toEqual([
      [3, 'PermitRootLogin no'],
      [15, 'AllowTcpForwarding no'],
    ]);
    // Context after the last addition continues both counters.
    expect(diffStats(rows)).toEqual({ added: 2, removed: 2 });
  });

  it('starts a new file at line 1', () => {
    const rows = parseUnifiedDiff(unifiedDiff('/etc/modprobe.d/hl.conf', null, 'install dccp /bin/false\ninstall sctp /bin/false\n'));
    expect(rows[0]).toMatchObject({ kind: 'hunk', newStart: 1 });
    expect(rows.slice(1).map((r) => (r.kind === 'add' ? r.newNo : -1))).toEqual([1, 2]);
  });

  it('keeps "no newline" notes and skips the file headers', () => {
    const rows = parseUnifiedDiff('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n');
    expect(rows.map((r) => r.kind)).toEqual(['hunk', 'remove', 'note', 'add']);
  });
});

describe('file helpers', () => {
  it('says what happens to a file', () => {
    expect(fileChange({ before: null, after: 'x' })).toBe('new');
    expect(fileChange({ before: 'x', after: null })).toBe('deleted');
    expect(fileChange({ before: 'x', after: 'y' })).toBe('modified');
    expect(fileChange({ before: 'x', after: 'x' })).toBe('unchanged');
  });
  it('computes a diff when the core sent none', () => {
    expect(diffTextFor({ path: '/x', before: 'a\n', after: 'b\n', diff: '' })).toContain('-a\n+b');
  });
});

describe('sideBySideFolded', () => {
  it('folds long unchanged runs and keeps context round changes', () => {
    const rows = sideBySideFolded(before, after, 2);
    const folds = rows.filter((r) => r.kind === 'fold');
    expect(folds.length).toBeGreaterThan(0);
    const shown = rows.filter((r) => r.kind === 'row').length;
    const hidden = folds.reduce((n, f) => n + (f.kind === 'fold' ? f.hidden : 0), 0);
    // Every row of the full side-by-side is either shown or counted in a fold.
    expect(shown + hidden).toBe(16);
    const changed = rows.filter((r) => r.kind === 'row' && (r.row.left?.kind === 'remove' || r.row.right?.kind === 'add'));
    expect(changed.length).toBe(3);
  });
  it('handles a new file', () => {
    const rows = sideBySideFolded(null, 'a\nb\n');
    expect(rows.every((r) => r.kind === 'row' && r.row.left === null && r.row.right?.kind === 'add')).toBe(true);
  });
});

describe('highlightConfigLine', () => {
  it('colours keyword, separator, value and trailing comment', () => {
    expect(highlightConfigLine('  PermitRootLogin no # was yes')).toEqual([
      { cls: 'plain', text: '  ' },
      { cls: 'key', text: 'PermitRootLogin' },
      { cls: 'plain', text: ' ' },
      { cls: 'value', text: 'no' },
      { cls: 'comment', text: ' # was yes' },
    ]);
    expect(highlightConfigLine('kernel.kptr_restrict = 2')).toEqual([
      { cls: 'key', text: 'kernel.kptr_restrict' },
      { cls: 'punct', text: ' = ' },
      { cls: 'value', text: '2' },
    ]);
  });
  it('keeps comments and odd lines whole, and loses no character', () => {
    expect(highlightConfigLine('# comment')).toEqual([{ cls: 'comment', text: '# comment' }]);
    for (const line of ['', '   ', '[section]', 'deb http://deb.debian.org/debian bookworm main', 'install dccp /bin/false']) {
      expect(highlightConfigLine(line).map((s) => s.text).join('')).toBe(line);
    }
  });
});
