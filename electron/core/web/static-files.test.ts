import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveStaticPath } from './static-files';

describe('resolveStaticPath', () => {
  const root = mkdtempSync(join(tmpdir(), 'hl-root-'));
  writeFileSync(join(root, 'index.html'), 'x');
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'assets', 'a.js'), 'x');
  const outside = mkdtempSync(join(tmpdir(), 'hl-out-'));
  writeFileSync(join(outside, 's'), 's');
  symlinkSync(join(outside, 's'), join(root, 'assets', 'escape'));

  it('maps paths inside the root', () => {
    expect(resolveStaticPath(root, '/')).toBe(realpathSync(join(root, 'index.html')));
    expect(resolveStaticPath(root, '/assets/a.js')).toBe(realpathSync(join(root, 'assets', 'a.js')));
  });
  it('refuses traversal, encoded traversal, NUL, backslashes, links out and missing files', () => {
    for (const p of ['/../etc/passwd', '/assets/../../x', '/%2e%2e/x', '/%00', '/assets\\a.js', '/assets/escape', '/missing', '/%E0%A4%A']) {
      expect(resolveStaticPath(root, p)).toBeNull();
    }
  });
});
