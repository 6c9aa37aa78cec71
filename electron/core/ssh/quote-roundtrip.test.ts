import { describe, expect, it } from 'vitest';
import { shellJoin } from '../../../shared/quote';
import { run, which } from '../proc';

/**
 * shared/quote.ts is the only way argv reaches a remote shell. Here every
 * hostile argument goes through shellJoin into real shells (dash is /bin/sh
 * on Debian, busybox ash is Alpine's) and must come out as the same single
 * argument, byte for byte.
 */
const NASTY = [
  'x; rm -rf /',
  '$(reboot)',
  '`reboot`',
  "it's",
  "''",
  '"double" and \'single\'',
  'line1\nline2',
  '\ttab and  two spaces ',
  '',
  ' ',
  '*',
  '~',
  '~root',
  '!history',
  '$HOME ${IFS} $1 $@',
  'a\\b\\\\c',
  '-n',
  '--',
  'Grüße ✓ 日本語 \u202e',
  '[127.0.0.1]:2222',
  '&& echo pwned ||',
  '> /etc/passwd',
  'trailing backslash\\',
  '\r\n',
];

const SHELLS = ['sh', 'dash', 'bash'].filter((s) => which(s)).map((s) => [s, [s]]);
if (which('busybox')) SHELLS.push(['busybox ash', ['busybox', 'ash']]);

describe.each(SHELLS)('shellJoin round trip through %s', (_name, argv) => {
  it('every argument arrives as exactly one literal word', async () => {
    const line = shellJoin(['printf', '%s\\0', ...NASTY]);
    const r = await run(argv[0]!, [...argv.slice(1), '-c', line]);
    expect(r.code).toBe(0);
    const words = r.stdout.split('\0');
    expect(words.pop()).toBe('');
    expect(words).toEqual(NASTY);
  });

  it('the program name itself is quoted too', async () => {
    const r = await run(argv[0]!, [...argv.slice(1), '-c', shellJoin(['printf', '%s|', 'a b']) + '; ' + shellJoin(['echo', ';'])]);
    expect(r.stdout).toBe('a b|;\n');
  });
});

describe('shellJoin refuses what no command can receive', () => {
  it('NUL and empty argv', () => {
    expect(() => shellJoin(['a\0b'])).toThrow(/NUL/);
    expect(() => shellJoin([])).toThrow();
  });
});
