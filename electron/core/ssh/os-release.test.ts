import { describe, expect, it } from 'vitest';
import { osDisplayName, parseOsRelease } from './os-release';

describe('os-release', () => {
  it('reads Debian 12 and Alpine files', () => {
    const debian = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
    expect(osDisplayName(parseOsRelease(debian))).toBe('Debian GNU/Linux 12 (bookworm)');
    const alpine = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n';
    expect(parseOsRelease(alpine).VERSION_ID).toBe('3.20.3');
    expect(osDisplayName(parseOsRelease('NAME=Foo\nVERSION_ID=1\n'))).toBe('Foo 1');
    expect(parseOsRelease('X="a \\"q\\" b"\n').X).toBe('a "q" b');
    expect(osDisplayName({})).toBeUndefined();
  });
});
