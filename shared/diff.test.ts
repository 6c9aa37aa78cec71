import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffLines, sideBySide, unifiedDiff } from './diff';

function applyOps(ops: ReturnType<typeof diffLines>): { a: string[]; b: string[] } {
  return { a: ops.filter((o) => o.kind !== 'add').map((o) => o.line), b: ops.filter((o) => o.kind !== 'remove').map((o) => o.line) };
}

// Apply our unified diff with the real `patch` program: the strongest check that the hunks are right.
function patchApplies(before: string, after: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'hl-diff-'));
  writeFileSync(join(dir, 'f'), before);
  const diff = unifiedDiff('/f', before, after);
  writeFileSync(join(dir, 'p.diff'), diff.replace(/^--- a\/f$/m, '--- f').replace(/^\+\+\+ b\/f$/m, '+++ f'));
  const r = spawnSync('patch', ['-s', '-p0', '-i', 'p.diff', 'f'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) return false;
  const got = spawnSync('cat', [join(dir, 'f')], { encoding: 'utf8' }).stdout;
  return got === after;
}

describe('diff', () => {
  it('reproduces both sides', () => {
    const before = 'a\nb\nc\nd\ne\n';
    const after = 'a\nB\nc\ne\nf\n';
    const { a, b } = applyOps(diffLines(before, after));
    expect(a.join('\n') + '\n').toBe(before);
    expect(b.join('\n') + '\n').toBe(after);
  });

  it('renders hunks that the real patch program applies', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `line ${i}`);
    const before = lines.join('\n') + '\n';
    const changed = [...lines];
    changed[2] = 'PermitRootLogin no';
    changed.splice(30, 1);
    changed.splice(50, 0, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no');
    const after = changed.join('\n') + '\n';
    const d = unifiedDiff('/f', before, after);
    expect(d).toMatch(/^--- a\/f\n\+\+\+ b\/f\n@@ -1,6 \+1,6 @@/);
    expect((d.match(/^@@/gm) ?? []).length).toBe(3);
    if (spawnSync('which', ['patch']).status === 0) expect(patchApplies(before, after)).toBe(true);
  });

  it('handles new, deleted and identical files', () => {
    expect(unifiedDiff('/etc/x.conf', null, 'a\nb\n')).toBe('--- /dev/null\n+++ b/etc/x.conf\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('/etc/x.conf', 'a\n', null)).toBe('--- a/etc/x.conf\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n');
    expect(unifiedDiff('/etc/x.conf', 'same\n', 'same\n')).toBe('');
  });

  it('pairs changes side by side', () => {
    const rows = sideBySide('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(rows).toHaveLength(4);
    expect(rows[1]).toEqual({ left: { n: 2, text: 'b', kind: 'remove' }, right: { n: 2, text: 'B', kind: 'add' } });
    expect(rows[3]).toEqual({ left: null, right: { n: 4, text: 'd', kind: 'add' } });
  });

  it('is correct on random edits', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 200; t++) {
      const a = Array.from({ length: Math.floor(rnd() * 30) }, () => String.fromCharCode(97 + Math.floor(rnd() * 4)));
      const b = a.filter(() => rnd() > 0.2).flatMap((x) => (rnd() > 0.8 ? [x, 'n'] : [x]));
      const before = a.length ? a.join('\n') + '\n' : '';
      const after = b.length ? b.join('\n') + '\n' : '';
      const r = applyOps(diffLines(before, after));
      expect(r.a).toEqual(a);
      expect(r.b).toEqual(b);
    }
  });
});
