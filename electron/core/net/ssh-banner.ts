import { sleep } from '../sleep';
import { connect, type Socket } from 'node:net';
import { HardenLabError } from '../errors';

/**
 * Waiting for an SSH server by its identification string (RFC 4253 4.2).
 *
 * A plain TCP connect is not enough: QEMU's user-mode network accepts a
 * connection on a forwarded port long before anything listens inside the
 * guest, then closes it. Only the "SSH-2.0-..." line proves sshd answers.
 */

export type BannerParse =
  | { kind: 'banner'; line: string; protoVersion: string; software: string }
  | { kind: 'need-more' }
  | { kind: 'invalid'; reason: string };

/** RFC 4253: the identification line is at most 255 bytes with CR LF. */
const MAX_LINE = 255;
/** Servers may send other lines first; give up after this much preamble. */
const MAX_PREAMBLE = 8192;

/**
 * Reads what the server has sent so far. Lines before the identification
 * string are allowed by the RFC (some servers print a notice); an
 * identification must start with "SSH-" and name protocol 2.0 (or 1.99, which
 * means "2.0 and older").
 */
export function parseSshIdentification(received: string): BannerParse {
  let rest = received;
  let consumed = 0;
  for (;;) {
    const nl = rest.indexOf('\n');
    if (nl < 0) {
      if (rest.startsWith('SSH-') && rest.length > MAX_LINE) return { kind: 'invalid', reason: 'identification line longer than 255 bytes' };
      if (consumed + rest.length > MAX_PREAMBLE) return { kind: 'invalid', reason: 'no SSH identification within 8 KiB' };
      return { kind: 'need-more' };
    }
    const line = rest.slice(0, nl).replace(/\r$/, '');
    if (line.startsWith('SSH-')) {
      if (line.length > MAX_LINE) return { kind: 'invalid', reason: 'identification line longer than 255 bytes' };
      const m = /^SSH-([^-\s]+)-(\S+)(?: .*)?$/.exec(line);
      if (!m) return { kind: 'invalid', reason: `malformed identification "${line.slice(0, 80)}"` };
      const protoVersion = m[1] ?? '';
      if (protoVersion !== '2.0' && protoVersion !== '1.99') {
        return { kind: 'invalid', reason: `server speaks SSH protocol ${protoVersion}, not 2.0` };
      }
      return { kind: 'banner', line, protoVersion, software: m[2] ?? '' };
    }
    consumed += nl + 1;
    if (consumed > MAX_PREAMBLE) return { kind: 'invalid', reason: 'no SSH identification within 8 KiB' };
    rest = rest.slice(nl + 1);
  }
}

export type ProbeOutcome =
  | { kind: 'banner'; line: string }
  | { kind: 'closed' }
  | { kind: 'refused' }
  | { kind: 'timeout' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'error'; message: string };

/** One connection attempt: connect, read until the identification or the end. */
export function probeSshBanner(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let received = '';
    let done = false;
    const sock: Socket = connect({ host, port });
    const finish = (o: ProbeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    sock.setEncoding('latin1');
    sock.on('data', (chunk: string) => {
      received += chunk;
      const p = parseSshIdentification(received);
      if (p.kind === 'banner') finish({ kind: 'banner', line: p.line });
      else if (p.kind === 'invalid') finish({ kind: 'invalid', reason: p.reason });
    });
    sock.on('end', () => finish({ kind: 'closed' }));
    sock.on('close', () => finish({ kind: 'closed' }));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') finish({ kind: 'refused' });
      else if (e.code === 'ECONNRESET' || e.code === 'EPIPE') finish({ kind: 'closed' });
      else finish({ kind: 'error', message: e.message });
    });
  });
}

export interface WaitForSshBannerOptions {
  host: string;
  port: number;
  /** Overall deadline for the whole wait. */
  timeoutMs: number;
  /** Pause between attempts (default 500 ms). */
  intervalMs?: number;
  /** Per attempt: how long a connected socket may stay silent (default 10 s). */
  attemptTimeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Called between attempts; throw to stop waiting (for example when the VM
   * process has died, so there is nothing left to wait for).
   */
  check?: () => Promise<void> | void;
  onAttempt?: (attempt: number, outcome: ProbeOutcome) => void;
}


function cancelled(): HardenLabError {
  return new HardenLabError('CANCELLED', 'Waiting for SSH was cancelled.');
}

/** Polls until an SSH server sends its identification; returns that line. */
export async function waitForSshBanner(opts: WaitForSshBannerOptions): Promise<string> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 500;
  let attempt = 0;
  let last: ProbeOutcome = { kind: 'timeout' };
  for (;;) {
    if (opts.signal?.aborted) throw cancelled();
    await opts.check?.();
    const left = deadline - Date.now();
    if (left <= 0) break;
    attempt++;
    last = await probeSshBanner(opts.host, opts.port, Math.min(left, opts.attemptTimeoutMs ?? 10_000));
    opts.onAttempt?.(attempt, last);
    if (last.kind === 'banner') return last.line;
    if (last.kind === 'invalid') {
      throw new HardenLabError('CONNECT_FAILED', `${opts.host}:${opts.port} answers, but not as an SSH server: ${last.reason}.`, {
        hint: 'Check that the port forwards to the SSH server of the VM.',
      });
    }
    const pause = Math.min(interval, deadline - Date.now());
    if (pause > 0) await sleep(pause, opts.signal, cancelled);
  }
  throw new HardenLabError('TIMEOUT', `No SSH server answered on ${opts.host}:${opts.port} within ${Math.round(opts.timeoutMs / 1000)} s (last attempt: ${describe(last)}).`, {
    hint: 'The VM may still be booting or its sshd failed to start; its serial console log tells which.',
  });
}

function describe(o: ProbeOutcome): string {
  switch (o.kind) {
    case 'banner':
      return o.line;
    case 'closed':
      return 'connection accepted and closed without a banner';
    case 'refused':
      return 'connection refused';
    case 'timeout':
      return 'no answer';
    case 'invalid':
      return o.reason;
    case 'error':
      return o.message;
  }
}
