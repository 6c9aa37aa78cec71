import { describe, expect, it } from 'vitest';
import { Collector } from './exec-channel';
import { MarkerScanner, RUNNER_MAX_LINE, runnerRequest } from './runner';

const TOKEN = '0123456789abcdef0123456789abcdef';

function scan(chunks: Array<string | Buffer>, seq = 7, max = 1 << 20) {
  const out = new Collector(max);
  const s = new MarkerScanner(TOKEN, seq, out);
  for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c) : c);
  return { status: s.status, out: out.take(), truncated: out.truncated };
}

describe('runner request lines', () => {
  it('puts a command on one line: newlines only ever sit inside single quotes, and become a quoted $nl', () => {
    expect(runnerRequest(3, "'printf' '%s' 'a\nb'")).toBe(`3 'printf' '%s' 'a'"$nl"'b'\n`);
    expect(runnerRequest(1, 'cat /proc/loadavg')).toBe('1 cat /proc/loadavg\n');
  });

  it('refuses lines longer than the limit (they take a channel)', () => {
    expect(runnerRequest(1, 'x'.repeat(RUNNER_MAX_LINE))).toBeNull();
    expect(runnerRequest(1, 'x'.repeat(RUNNER_MAX_LINE - 10))).not.toBeNull();
  });
});

describe('MarkerScanner', () => {
  it('splits output and exit status, with or without a trailing newline in the output', () => {
    expect(scan([`hello\n\n${TOKEN} 7 0\n`])).toEqual({ status: 0, out: Buffer.from('hello\n'), truncated: false });
    expect(scan([`no newline\n${TOKEN} 7 3\n`])).toEqual({ status: 3, out: Buffer.from('no newline'), truncated: false });
    expect(scan([`\n${TOKEN} 7 127\n`])).toEqual({ status: 127, out: Buffer.alloc(0), truncated: false });
  });

  it('finds a marker split over chunks at every byte position', () => {
    const whole = `some output\nmore\n${TOKEN} 7 42\n`;
    for (let cut = 1; cut < whole.length; cut++) {
      expect(scan([whole.slice(0, cut), whole.slice(cut)])).toEqual({ status: 42, out: Buffer.from('some output\nmore'), truncated: false });
    }
    expect(scan(whole.split(''))).toEqual({ status: 42, out: Buffer.from('some output\nmore'), truncated: false });
  });

  it("ignores another command's marker and the token without its sequence number", () => {
    const r = scan([`${TOKEN} 7 1\n\n${TOKEN} 8 1\nx\n${TOKEN} 7 5\n`]);
    expect(r.status).toBe(5);
    expect(r.out.toString()).toBe(`${TOKEN} 7 1\n\n${TOKEN} 8 1\nx`);
  });

  it('keeps binary output byte for byte and caps it like a channel does', () => {
    const bin = Buffer.from([0, 255, 10, 13, 0x1b, 0x80]);
    expect(scan([bin, `\n${TOKEN} 7 0\n`]).out).toEqual(bin);
    const r = scan(['a'.repeat(5000), `\n${TOKEN} 7 0\n`], 7, 1000);
    expect(r).toMatchObject({ status: 0, truncated: true });
    expect(r.out.length).toBe(1000);
  });

  it('is not done until the newline after the status arrives', () => {
    const out = new Collector(100);
    const s = new MarkerScanner(TOKEN, 7, out);
    s.push(Buffer.from(`x\n${TOKEN} 7 1`));
    expect(s.done).toBe(false);
    s.push(Buffer.from('0\n'));
    expect(s.status).toBe(10);
    expect(out.take().toString()).toBe('x');
  });
});
