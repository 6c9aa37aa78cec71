import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isHardenLabError } from '../errors';
import { parseSshIdentification, probeSshBanner, waitForSshBanner } from './ssh-banner';

describe('parseSshIdentification', () => {
  it('reads an OpenSSH identification line', () => {
    expect(parseSshIdentification('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n')).toEqual({
      kind: 'banner',
      line: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10',
      protoVersion: '2.0',
      software: 'OpenSSH_9.2p1',
    });
  });

  it('waits for the end of the line', () => {
    expect(parseSshIdentification('SSH-2.0-Open')).toEqual({ kind: 'need-more' });
    expect(parseSshIdentification('')).toEqual({ kind: 'need-more' });
  });

  it('skips lines a server may send before its identification (RFC 4253 4.2)', () => {
    const r = parseSshIdentification('Welcome to the lab\r\nauthorized use only\r\nSSH-2.0-dropbear_2022.83\r\n');
    expect(r).toMatchObject({ kind: 'banner', software: 'dropbear_2022.83' });
  });

  it('accepts 1.99 (2.0 and older) and refuses 1.5', () => {
    expect(parseSshIdentification('SSH-1.99-Cisco-1.25\n')).toMatchObject({ kind: 'banner', protoVersion: '1.99' });
    expect(parseSshIdentification('SSH-1.5-old\n')).toMatchObject({ kind: 'invalid' });
  });

  it('refuses other protocols and endless preambles', () => {
    expect(parseSshIdentification('SSH-2.0\n')).toMatchObject({ kind: 'invalid' });
    expect(parseSshIdentification('HTTP/1.1 400 Bad Request\r\n'.repeat(400))).toMatchObject({ kind: 'invalid' });
    expect(parseSshIdentification('SSH-2.0-' + 'x'.repeat(300))).toMatchObject({ kind: 'invalid' });
  });
});

describe('waiting for a banner on a real socket (127.0.0.1)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  function serve(onConn: (s: Socket, n: number) => void): Promise<number> {
    let n = 0;
    const srv = createServer((s) => onConn(s, ++n));
    servers.push(srv);
    return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port)));
  }

  it('keeps trying while connections are accepted and closed without a banner, as QEMU user networking does before sshd runs', async () => {
    const port = await serve((s, n) => {
      if (n < 3) s.destroy();
      else s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n');
    });
    const attempts: string[] = [];
    const line = await waitForSshBanner({ host: '127.0.0.1', port, timeoutMs: 10_000, intervalMs: 50, onAttempt: (_, o) => attempts.push(o.kind) });
    expect(line).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10');
    expect(attempts).toEqual(['closed', 'closed', 'banner']);
  });

  it('times out with TIMEOUT and says what it last saw', async () => {
    const port = await serve((s) => s.destroy());
    const err = await waitForSshBanner({ host: '127.0.0.1', port, timeoutMs: 600, intervalMs: 50 }).catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.code).toBe('TIMEOUT');
    expect((err as Error).message).toMatch(/closed without a banner/);
  });

  it('fails at once when something that is not SSH answers', async () => {
    const port = await serve((s) => s.end('HTTP/1.1 200 OK\r\n'.repeat(1000)));
    const err = await waitForSshBanner({ host: '127.0.0.1', port, timeoutMs: 5000, intervalMs: 50 }).catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.code).toBe('CONNECT_FAILED');
  });

  it('reports a refused port', async () => {
    const port = await serve(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    expect(await probeSshBanner('127.0.0.1', port, 2000)).toEqual({ kind: 'refused' });
  });

  it('stops when the check says the VM is gone', async () => {
    const port = await serve((s) => s.destroy());
    let calls = 0;
    const err = await waitForSshBanner({
      host: '127.0.0.1',
      port,
      timeoutMs: 10_000,
      intervalMs: 20,
      check: () => {
        if (++calls === 3) throw new Error('VM exited');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('VM exited');
    expect(calls).toBe(3);
  });

  it('honours an abort signal', async () => {
    const port = await serve((s) => s.destroy());
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await waitForSshBanner({ host: '127.0.0.1', port, timeoutMs: 10_000, intervalMs: 1000, signal: ac.signal }).catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.code).toBe('CANCELLED');
  });
});
