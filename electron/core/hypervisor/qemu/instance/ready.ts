import { HardenLabError } from '../../../errors';
import { run, which } from '../../../proc';
import { waitForSshBanner } from '../../../net/ssh-banner';
import { readPidFile, vmProcessAlive } from '../process';
import type { ProgressFn } from '../../types';
import { consoleTail, queryRunStatus } from './boot';
import { knownHostsAlias } from './instance-store';
import { instancePaths, type InstanceRecord } from './instance-store';

/**
 * SSH readiness of a lab instance, in two steps: the server's banner over
 * TCP (cheap, polled), then one real login with OpenSSH as the operator,
 * checking the host key against the one recorded at creation. Only the login
 * proves the guest installed our keys and sshd accepts them.
 */

/** The guest stopped while booting (KVM internal error, kernel panic): there is nothing left to wait for. */
export class GuestStoppedError extends HardenLabError {
  readonly runState: string;
  constructor(vm: string, runState: string, consoleTail: string) {
    super('DRIVER_FAILED', `Lab VM "${vm}" stopped while booting (QEMU state "${runState}").`, consoleTail ? { detail: consoleTail } : {});
    this.runState = runState;
  }
}

/** OpenSSH options that make the system client check exactly the recorded key and never prompt. */
export function labSshOptions(rec: { name: string; keyPath: string; port?: number | undefined }, knownHostsFile: string): string[] {
  return [
    '-F',
    'none',
    '-i',
    rec.keyPath,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=none',
    '-o',
    `HostKeyAlias=${knownHostsAlias(rec.name)}`,
    '-o',
    'ConnectTimeout=30',
    '-o',
    'LogLevel=ERROR',
    '-p',
    String(rec.port ?? 22),
  ];
}

export function sshBinary(): string {
  const p = which('ssh', ['/usr/bin', '/usr/local/bin']);
  if (!p) throw new HardenLabError('DRIVER_MISSING', 'The OpenSSH client (ssh) is not installed.', { hint: 'On Debian or Ubuntu: apt-get install openssh-client' });
  return p;
}

export interface ReadyOptions {
  timeoutMs?: number;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  home?: string;
}

export interface ReadyTimes {
  bannerSeconds: number;
  loginSeconds: number;
  banner: string;
}

export async function waitForLabSsh(rec: InstanceRecord, opts: ReadyOptions = {}): Promise<ReadyTimes> {
  if (rec.port === undefined) throw new HardenLabError('VM_WRONG_STATE', `Lab VM "${rec.name}" has no SSH port yet: it was never started.`);
  const paths = instancePaths(rec.name, opts.home);
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  const deadline = started + timeoutMs;
  let checks = 0;
  opts.onProgress?.({ phase: 'ssh', message: `Waiting for SSH on 127.0.0.1:${rec.port}` });
  const banner = await waitForSshBanner({
    host: '127.0.0.1',
    port: rec.port,
    timeoutMs,
    intervalMs: 500,
    signal: opts.signal,
    check: async () => {
      // Stop waiting for a VM that is gone or broken.
      const pid = (await readPidFile(paths.pidFile)) ?? rec.pid;
      if (!(await vmProcessAlive(pid, rec.disk))) {
        throw new HardenLabError('DRIVER_FAILED', `Lab VM "${rec.name}" stopped while booting.`, { detail: (await consoleTail(paths)) || undefined, hint: `See ${paths.consoleLog}.` });
      }
      if (++checks % 10 === 0) {
        const st = await queryRunStatus(rec.qmpSocket);
        if (st === 'internal-error' || st === 'guest-panicked') throw new GuestStoppedError(rec.name, st, await consoleTail(paths));
      }
    },
  });
  const bannerSeconds = (Date.now() - started) / 1000;
  opts.onProgress?.({ phase: 'ssh', message: `sshd answers (${banner}); logging in as ${rec.user}` });

  const ssh = sshBinary();
  for (;;) {
    if (opts.signal?.aborted) throw new HardenLabError('CANCELLED', 'Waiting for SSH was cancelled.');
    const r = await run(ssh, [...labSshOptions(rec, paths.knownHosts), `${rec.user}@127.0.0.1`, 'true'], { timeoutMs: 60_000, signal: opts.signal });
    if (r.code === 0) return { bannerSeconds, loginSeconds: (Date.now() - started) / 1000, banner };
    const why = r.stderr.trim();
    if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/i.test(why)) {
      throw new HardenLabError('HOST_KEY_CHANGED', `Lab VM "${rec.name}" presented a host key other than the one recorded when it was created.`, {
        hint: 'Something else may be answering on that port; destroy and recreate the lab if its keys were changed on purpose.',
        detail: why,
      });
    }
    if (Date.now() > deadline) {
      throw new HardenLabError('TIMEOUT', `Lab VM "${rec.name}" answers SSH but the operator key is not accepted.`, {
        hint: `The guest may not have installed its keys; see ${paths.consoleLog}.`,
        detail: why,
      });
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
}
