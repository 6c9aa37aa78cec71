import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../proc';
import { parseOsRelease } from '../../distro/os-release';
import { parseAptSources, securityEntries, securitySourceLine, SOURCE_END_MARKER, SOURCE_FILE_MARKER, SOURCES_LISTING_SCRIPT, splitSourceFiles } from './apt-sources';

describe('APT sources', () => {
  it('gives back each file exactly, with or without a final newline', async () => {
    const listing = `${SOURCE_FILE_MARKER}/etc/apt/sources.list\ndeb http://deb.debian.org/debian bookworm main\n\n${SOURCE_FILE_MARKER}/etc/apt/sources.list.d/x.list\nno-newline\n${SOURCE_FILE_MARKER}/etc/apt/sources.list.d/empty.list\n\n${SOURCE_END_MARKER}\n`;
    expect(splitSourceFiles(listing)).toEqual([
      { path: '/etc/apt/sources.list', content: 'deb http://deb.debian.org/debian bookworm main\n' },
      { path: '/etc/apt/sources.list.d/x.list', content: 'no-newline' },
      { path: '/etc/apt/sources.list.d/empty.list', content: '' },
    ]);
  });

  it('the listing script frames files so that the split returns their exact bytes (run under sh here)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hl-apt-'));
    try {
      mkdirSync(join(dir, 'sources.list.d'));
      const contents: Record<string, string> = {
        'sources.list': 'deb http://deb.debian.org/debian bookworm main\n',
        'sources.list.d/a.list': 'deb http://x/ y main', // no final newline
        'sources.list.d/b.sources': 'Types: deb\nURIs: http://x/\nSuites: y-security\nComponents: main\n\n',
        'sources.list.d/ignored.txt': 'not a source file\n',
      };
      for (const [name, text] of Object.entries(contents)) writeFileSync(join(dir, name), text);
      const r = await run('sh', ['-c', SOURCES_LISTING_SCRIPT.replaceAll('/etc/apt', dir)]);
      expect(r.code).toBe(0);
      expect(splitSourceFiles(r.stdout)).toEqual(
        ['sources.list', 'sources.list.d/a.list', 'sources.list.d/b.sources'].map((n) => ({ path: join(dir, n), content: contents[n] })),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the security suite in one-line and deb822 files, ignoring comments, deb-src and disabled stanzas', () => {
    const lab = parseAptSources([{ path: '/etc/apt/sources.list', content: 'deb http://deb.debian.org/debian bookworm main\n' }]);
    expect(securityEntries(lab, 'bookworm')).toEqual([]);

    const oneLine = parseAptSources([
      { path: '/etc/apt/sources.list', content: '# deb http://deb.debian.org/debian-security bookworm-security main\ndeb-src http://deb.debian.org/debian-security bookworm-security main\ndeb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security/ bookworm-security main contrib\n' },
    ]);
    expect(securityEntries(oneLine, 'bookworm')).toEqual([{ file: '/etc/apt/sources.list', type: 'deb', uri: 'http://deb.debian.org/debian-security/', suite: 'bookworm-security', components: ['main', 'contrib'] }]);

    const deb822 = parseAptSources([
      {
        path: '/etc/apt/sources.list.d/debian.sources',
        content:
          'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie trixie-updates\nComponents: main\n\nTypes: deb deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: trixie-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
      },
    ]);
    expect(securityEntries(deb822, 'trixie').map((e) => `${e.type} ${e.suite}`)).toEqual(['deb trixie-security']);

    const disabled = parseAptSources([{ path: '/etc/apt/sources.list.d/u.sources', content: 'Enabled: no\nTypes: deb\nURIs: http://security.ubuntu.com/ubuntu\nSuites: noble-security\nComponents: main\n' }]);
    expect(securityEntries(disabled, 'noble')).toEqual([]);

    const buster = parseAptSources([{ path: '/etc/apt/sources.list', content: 'deb http://security.debian.org/debian-security buster/updates main\n' }]);
    expect(securityEntries(buster, 'buster')).toHaveLength(1);
  });

  it('knows the security line of Debian and Ubuntu, and nothing else', () => {
    const os = (text: string) => parseOsRelease(text);
    expect(securitySourceLine(os('ID=debian\nVERSION_CODENAME=bookworm\n'))).toBe('deb http://deb.debian.org/debian-security bookworm-security main');
    expect(securitySourceLine(os('ID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n'))).toBe('deb http://security.ubuntu.com/ubuntu noble-security main');
    expect(securitySourceLine(os('ID=debian\n'))).toBeNull();
    expect(securitySourceLine(os('ID=debian\nVERSION_CODENAME="bookworm main; rm -rf /"\n'))).toBeNull();
    expect(securitySourceLine(os('ID=raspbian\nVERSION_CODENAME=bookworm\n'))).toBeNull();
  });
});
