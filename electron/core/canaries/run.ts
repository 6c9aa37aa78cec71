import { connect } from 'node:net';
import { LOGIN_CANARY, type Canary, type CanaryResult } from '../../../shared/canary';
import { toErrorInfo } from '../errors';
import type { Target } from '../engine/target';
import { canaryCommand } from './command';
import { judgeCanary, type CanaryOutput } from './judge';

export interface CanaryEnv {
  target: Target;
  /** The built-in canary: a brand-new SSH login with the profile's credentials, then an elevated command; null leaves it out. */
  freshLogin: (() => Promise<{ ok: boolean; evidence: string }>) | null;
  signal?: AbortSignal;
}

/** A TCP connection from this machine (a port the hypervisor forwards), with Node's socket and no shell at all. */
function tcpFromHere(host: string, port: number, timeoutMs: number): Promise<CanaryOutput> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (o: CanaryOutput) => {
      socket.destroy();
      resolve(o);
    };
    socket.setTimeout(timeoutMs, () => done({ code: 124, stdout: '', stderr: '' }));
    socket.once('connect', () => done({ code: 0, stdout: '', stderr: '' }));
    socket.once('error', (e) => done({ code: 1, stdout: '', stderr: e.message }));
  });
}

async function runOne(c: Canary, env: CanaryEnv): Promise<CanaryResult> {
  const started = Date.now();
  let out: CanaryOutput;
  try {
    if (c.kind === 'tcp' && c.from === 'host') {
      out = await tcpFromHere(c.host, c.port, c.timeoutSec * 1000);
    } else {
      const cmd = canaryCommand(c as Exclude<Canary, { kind: 'tcp'; from: 'host' }>);
      const r = await env.target.exec(cmd.argv, { elevate: cmd.elevate, timeoutMs: cmd.timeoutMs, maxOutputBytes: 256 * 1024, ...(env.signal ? { signal: env.signal } : {}) });
      out = r;
    }
  } catch (e) {
    const info = toErrorInfo(e);
    // A cancelled operation is not a broken canary: let the caller stop.
    if (info.code === 'CANCELLED') throw e;
    return { name: c.name, kind: c.kind, ok: false, evidence: info.code === 'TIMEOUT' ? `did not finish within ${c.timeoutSec} s` : info.message, durationMs: Date.now() - started };
  }
  return { name: c.name, kind: c.kind, ...judgeCanary(c, out), durationMs: Date.now() - started };
}

/** Runs the built-in login canary and every given canary, side by side; one canary's failure never stops the others. */
export async function runCanaries(canaries: readonly Canary[], env: CanaryEnv): Promise<CanaryResult[]> {
  const freshLogin = env.freshLogin;
  const login = freshLogin
    ? [
        (async (): Promise<CanaryResult> => {
          const started = Date.now();
          const r = await freshLogin();
          return { name: LOGIN_CANARY, kind: 'login', ok: r.ok, evidence: r.evidence, durationMs: Date.now() - started };
        })(),
      ]
    : [];
  return Promise.all([...login, ...canaries.map((c) => runOne(c, env))]);
}
