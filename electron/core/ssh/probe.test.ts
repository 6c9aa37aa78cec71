import { describe, expect, it } from 'vitest';
import { run, which } from '../proc';
import { buildProbeScript, newProbeToken, parseProbeOutput } from './probe';

const SHELLS = ['sh', 'dash', 'bash'].filter((s) => which(s)).map((s) => [s, [s]] as const);
if (which('busybox')) SHELLS.push(['busybox ash', ['busybox', 'ash']] as unknown as (typeof SHELLS)[number]);

describe('probe script generation and parsing', () => {
  it('frames each command with the token, in order', () => {
    const script = buildProbeScript({ a: ['echo', 'x'], b: ['id', '-u'] }, 'TOK');
    expect(script).toContain("printf '%s B 0\\n' \"$t\"");
    expect(script).toContain('( echo x ) </dev/null 2>/dev/null');
    expect(script).toContain('( id -u ) </dev/null 2>/dev/null');
    expect(script.indexOf('B 0')).toBeLessThan(script.indexOf('B 1'));
  });

  it('refuses an empty batch and names that could break the frame', () => {
    expect(() => buildProbeScript({}, 'T')).toThrow();
    expect(() => buildProbeScript({ 'a b': ['true'] }, 'T')).toThrow(/Probe name/);
  });

  it('parses frames, keeping output without a trailing newline exact', () => {
    const t = 'TOK';
    const out = `${t} B 0\nhello\n\n${t} E 0 0\n${t} B 1\nno-newline\n${t} E 1 3\n${t} B 2\n\n${t} E 2 0\n`;
    expect(parseProbeOutput(['a', 'b', 'c'], t, out)).toEqual({ a: { code: 0, stdout: 'hello\n' }, b: { code: 3, stdout: 'no-newline' }, c: { code: 0, stdout: '' } });
  });

  it('reports a cut-off batch as code -1 for the missing commands', () => {
    const t = 'TOK';
    expect(parseProbeOutput(['a', 'b'], t, `${t} B 0\npartial`)).toEqual({ a: { code: -1, stdout: 'partial' }, b: { code: -1, stdout: '' } });
  });

  it('tokens are random and long', () => {
    expect(newProbeToken()).not.toBe(newProbeToken());
    expect(newProbeToken().length).toBeGreaterThan(30);
  });
});

describe.each(SHELLS)('probe scripts run by %s', (_name, argv) => {
  it('return every fact exactly, even hostile output, exits and stdin readers', async () => {
    const token = newProbeToken();
    const commands = {
      echo: ['printf', '%s', 'no newline at end'],
      lines: ['printf', 'a\nb\n\n'],
      fail: ['sh', '-c', 'echo out; echo err >&2; exit 7'],
      forged: ['printf', '%s\n', `${token.slice(0, 10)} E 0 0`, 'fake E 3 0'],
      exit: ['exit', '5'],
      after: ['echo', 'still running'],
      stdin: ['cat'],
      missing: ['definitely-not-a-command-hl'],
      unicode: ['printf', '%s', 'Grüße ✓ $(reboot) `x` ; rm -rf /'],
    };
    const script = buildProbeScript(commands, token);
    const r = await run(argv[0]!, [...argv.slice(1), '-c', script], { input: 'THIS MUST NOT BE READ\n' });
    expect(r.code).toBe(0);
    const got = parseProbeOutput(Object.keys(commands) as Array<keyof typeof commands>, token, r.stdout);
    expect(got.echo).toEqual({ code: 0, stdout: 'no newline at end' });
    expect(got.lines).toEqual({ code: 0, stdout: 'a\nb\n\n' });
    expect(got.fail).toEqual({ code: 7, stdout: 'out\n' });
    expect(got.forged.stdout).toBe(`${token.slice(0, 10)} E 0 0\nfake E 3 0\n`);
    expect(got.exit.code).toBe(5);
    expect(got.after).toEqual({ code: 0, stdout: 'still running\n' });
    expect(got.stdin).toEqual({ code: 0, stdout: '' });
    expect(got.missing.code).toBe(127);
    expect(got.unicode.stdout).toBe('Grüße ✓ $(reboot) `x` ; rm -rf /');
  });
});
