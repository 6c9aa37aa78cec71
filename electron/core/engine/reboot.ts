import type { Profile } from '../../../shared/profile';
import { HardenLabError } from '../errors';
import { sleep } from '../sleep';
import type { Connections, Target } from './target';

/**
 * Reboots and waits for a different boot: the boot id must change, so an
 * sshd still answering on the way down is not mistaken for the VM being back.
 */
export async function readBootId(target: Target): Promise<string> {
  return (await target.readFile('/proc/sys/kernel/random/boot_id'))?.trim() ?? '';
}

export async function rebootAndWait(connections: Connections, profile: Profile, target: Target, deadlineMs: number, log: (m: string) => void, signal?: AbortSignal): Promise<Target> {
  const bootId = await readBootId(target);
  log('Rebooting the VM.');
  // The connection dies under the command; its exit status is meaningless.
  await target.exec(['sh', '-c', 'sleep 1; (command -v systemctl >/dev/null && systemctl reboot) || reboot'], { elevate: true, timeoutMs: 15_000 }).catch(() => undefined);
  connections.drop(profile);
  const started = Date.now();
  for (;;) {
    const left = deadlineMs - (Date.now() - started);
    if (left <= 0) throw new HardenLabError('TIMEOUT', `The VM did not come back from its reboot within ${Math.round(deadlineMs / 1000)} s.`);
    const next = await connections.reconnect(profile, { deadlineMs: left, onProgress: log, ...(signal ? { signal } : {}) });
    const nowId = await readBootId(next);
    if (nowId && nowId !== bootId) {
      log(`The VM is back after ${Math.round((Date.now() - started) / 1000)} s.`);
      return next;
    }
    connections.drop(profile);
    await sleep(2000);
  }
}
