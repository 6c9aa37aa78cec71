import { describe, expect, it } from 'vitest';
import { createWriteQueue, MAX_WRITE_CHARS } from './writeQueue';

describe('createWriteQueue', () => {
  it('keeps order and joins keystrokes typed while a write is in flight', async () => {
    const sent: string[] = [];
    let release: (() => void) | null = null;
    const q = createWriteQueue(
      (d) =>
        new Promise<void>((r) => {
          sent.push(d);
          release = r;
        }),
    );
    q.push('l');
    q.push('s');
    q.push(' -');
    q.push('la\r');
    expect(sent).toEqual(['l']);
    release!();
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual(['l', 's -la\r']);
    release!();
    await q.idle();
    expect(sent.join('')).toBe('ls -la\r');
  });

  it('splits a large paste into chunks under the cap', async () => {
    const sent: string[] = [];
    const q = createWriteQueue(async (d) => void sent.push(d));
    q.push('x'.repeat(MAX_WRITE_CHARS * 2 + 5));
    await q.idle();
    expect(sent.map((s) => s.length)).toEqual([MAX_WRITE_CHARS, MAX_WRITE_CHARS, 5]);
  });

  it('reports a failed write and carries on with the next', async () => {
    const errors: unknown[] = [];
    const sent: string[] = [];
    let first = true;
    const q = createWriteQueue(async (d) => {
      if (first) {
        first = false;
        throw new Error('gone');
      }
      sent.push(d);
    }, (e) => errors.push(e));
    q.push('a');
    await q.idle();
    q.push('b');
    await q.idle();
    expect(errors).toHaveLength(1);
    expect(sent).toEqual(['b']);
  });

  it('sends nothing after dispose', async () => {
    const sent: string[] = [];
    const q = createWriteQueue(async (d) => void sent.push(d));
    q.dispose();
    q.push('a');
    await q.idle();
    expect(sent).toEqual([]);
  });
});
