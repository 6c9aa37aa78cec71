import { describe, expect, it } from 'vitest';
import { createTerminalRouter } from './router';

describe('terminal router', () => {
  it('delivers to the attached sink only', () => {
    const r = createTerminalRouter();
    const a: string[] = [];
    const b: string[] = [];
    r.attach('t1', (d) => a.push(d));
    r.attach('t2', (d) => b.push(d));
    r.deliver({ terminalId: 't1', data: 'hello' });
    r.deliver({ terminalId: 't2', data: 'world' });
    expect(a).toEqual(['hello']);
    expect(b).toEqual(['world']);
  });

  it('holds output that arrives before the tab attaches, then hands it over once', () => {
    const r = createTerminalRouter();
    r.deliver({ terminalId: 't1', data: 'Linux lab 6.1.0\n' });
    r.deliver({ terminalId: 't1', data: 'lab@lab:~$ ' });
    const got: string[] = [];
    const detach = r.attach('t1', (d) => got.push(d));
    expect(got).toEqual(['Linux lab 6.1.0\nlab@lab:~$ ']);
    detach();
    r.deliver({ terminalId: 't1', data: 'more' });
    const again: string[] = [];
    r.attach('t1', (d) => again.push(d));
    expect(again).toEqual(['more']);
  });

  it('caps held output, keeping the newest, and forgets it after a while', () => {
    let now = 0;
    const r = createTerminalRouter({ maxHeldChars: 10, holdMs: 1000, now: () => now });
    r.deliver({ terminalId: 't', data: 'aaaaaaaa' });
    r.deliver({ terminalId: 't', data: 'bbbbbbbb' });
    const got: string[] = [];
    r.attach('t', (d) => got.push(d));
    expect(got).toEqual(['bbbbbbbb']);
    r.deliver({ terminalId: 'old', data: 'x' });
    now = 5000;
    r.deliver({ terminalId: 'other', data: 'y' });
    const late: string[] = [];
    r.attach('old', (d) => late.push(d));
    expect(late).toEqual([]);
  });

  it('a stale detach does not remove a newer sink', () => {
    const r = createTerminalRouter();
    const first: string[] = [];
    const second: string[] = [];
    const detachFirst = r.attach('t', (d) => first.push(d));
    r.attach('t', (d) => second.push(d));
    detachFirst();
    r.deliver({ terminalId: 't', data: 'x' });
    expect(second).toEqual(['x']);
  });
});
