import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { choosePort, ephemeralPort, isPortFree, pickLocalPort } from './free-port';

describe('choosePort', () => {
  it('reuses the previous port when it is free', () => {
    expect(choosePort(2222, true)).toEqual({ kind: 'reuse', port: 2222 });
  });
  it('asks the kernel for a port when there was none, it is taken, or it is not a user port', () => {
    expect(choosePort(undefined, false)).toMatchObject({ kind: 'ephemeral', reason: 'no port used before' });
    expect(choosePort(2222, false)).toMatchObject({ kind: 'ephemeral', reason: 'previous port 2222 is taken' });
    expect(choosePort(22, true)).toMatchObject({ kind: 'ephemeral' });
    expect(choosePort(70000, true)).toMatchObject({ kind: 'ephemeral' });
    expect(choosePort(2222.5, true)).toMatchObject({ kind: 'ephemeral' });
  });
});

describe('port probes on 127.0.0.1', () => {
  let srv: Server | undefined;
  afterEach(async () => {
    if (srv) await new Promise((r) => srv!.close(r));
    srv = undefined;
  });

  it('sees a listening port as taken and moves to another one', async () => {
    srv = createServer();
    const port = await new Promise<number>((resolve) => srv!.listen(0, '127.0.0.1', () => resolve((srv!.address() as { port: number }).port)));
    expect(await isPortFree(port)).toBe(false);
    const picked = await pickLocalPort(port);
    expect(picked.reused).toBe(false);
    expect(picked.port).not.toBe(port);
    expect(await isPortFree(picked.port)).toBe(true);
  });

  it('reuses a free previous port', async () => {
    const port = await ephemeralPort();
    expect(await pickLocalPort(port)).toEqual({ port, reused: true });
  });
});
