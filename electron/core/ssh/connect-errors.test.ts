import { describe, expect, it } from 'vitest';
import { HardenLabError } from '../errors';
import { classifyConnectError, classifyDropError } from './connect-errors';

const t = { host: '127.0.0.1', port: 2222 };
const errno = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:2222`), { code });

describe('classifyConnectError', () => {
  it('tells refused, unreachable, DNS, timeout and reset apart', () => {
    expect(classifyConnectError(errno('ECONNREFUSED'), t)).toMatchObject({ code: 'CONNECT_FAILED', detail: 'refused' });
    expect(classifyConnectError(errno('ECONNREFUSED'), t).message).toContain('connection refused');
    expect(classifyConnectError(errno('EHOSTUNREACH'), t).detail).toBe('unreachable');
    expect(classifyConnectError(errno('ENOTFOUND'), { host: 'nope.invalid', port: 22 }).message).toContain('nope.invalid cannot be resolved');
    expect(classifyConnectError(errno('ETIMEDOUT'), t).detail).toBe('timeout');
    expect(classifyConnectError(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), t).detail).toBe('timeout');
    expect(classifyConnectError(errno('ECONNRESET'), t).detail).toBe('reset');
    expect(classifyConnectError(new Error('Connection lost before handshake'), t).detail).toBe('reset');
  });
  it('explains algorithm and protocol trouble', () => {
    expect(classifyConnectError(Object.assign(new Error('Handshake failed: no matching cipher'), { level: 'handshake' }), t).detail).toBe('algorithms');
    expect(classifyConnectError(Object.assign(new Error('Bad identification start'), { level: 'protocol' }), t).detail).toBe('protocol');
  });
  it('passes our own errors through and names the jump host', () => {
    const own = new HardenLabError('HOST_KEY_CHANGED', 'x');
    expect(classifyConnectError(own, t)).toBe(own);
    expect(classifyConnectError(errno('ECONNREFUSED'), { ...t, via: 'u@jump:22' }).message).toContain('through u@jump:22');
  });
});

describe('classifyDropError', () => {
  it('names a reset of a connection that was up as a loss, never as a handshake failure', () => {
    const e = classifyDropError(errno('ECONNRESET'), t);
    expect(e).toMatchObject({ code: 'NOT_CONNECTED', detail: 'reset', message: '127.0.0.1:2222 reset the connection' });
    expect(e.message).not.toMatch(/handshake/);
    expect(classifyDropError(Object.assign(new Error('Keepalive timed out'), { level: 'client-timeout' }), t).detail).toBe('timeout');
    expect(classifyDropError(new Error('Something else.'), t).message).toBe('Something else');
  });
});
