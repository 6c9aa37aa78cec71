import { createServer } from 'node:net';

/**
 * Choosing a local TCP port for a forward. The decision is pure; the two
 * probes below are the only I/O.
 *
 * Reusing the previous port when it is free keeps the user's ssh commands
 * and the profile stable across reboots; otherwise the kernel picks one.
 */
export type PortChoice = { kind: 'reuse'; port: number } | { kind: 'ephemeral'; reason: string };

export function choosePort(previous: number | undefined, previousFree: boolean): PortChoice {
  if (previous === undefined) return { kind: 'ephemeral', reason: 'no port used before' };
  if (!Number.isInteger(previous) || previous < 1024 || previous > 65535) return { kind: 'ephemeral', reason: `previous port ${previous} is not usable` };
  if (!previousFree) return { kind: 'ephemeral', reason: `previous port ${previous} is taken` };
  return { kind: 'reuse', port: previous };
}

/** Whether this process could listen on host:port right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}

/** A port the kernel considers free now (another program may still take it before us). */
export function ephemeralPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('The kernel did not assign a port.'))));
    });
  });
}

export async function pickLocalPort(previous: number | undefined, host = '127.0.0.1'): Promise<{ port: number; reused: boolean; reason?: string }> {
  const free = previous !== undefined && previous >= 1024 && previous <= 65535 ? await isPortFree(previous, host) : false;
  const choice = choosePort(previous, free);
  if (choice.kind === 'reuse') return { port: choice.port, reused: true };
  return { port: await ephemeralPort(host), reused: false, reason: choice.reason };
}
