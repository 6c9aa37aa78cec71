import type { Accel } from './args';

/**
 * Which accelerator to boot with. /dev/kvm existing is not proof that KVM
 * works: nested setups can open it and then stop the guest with "KVM internal
 * error ... emulation failure". So KVM is chosen only after a real guest ran
 * under it (a short probe), and TCG is the fallback, always with a note that
 * says why, because TCG is many times slower.
 *
 * Decision:
 *   forced (HARDENLAB_ACCEL=kvm|tcg)  -> that, no probe
 *   /dev/kvm absent or not openable    -> tcg
 *   probe not run yet                  -> run the probe
 *   probe ran a guest                  -> kvm
 *   probe failed                       -> tcg, with the probe's reason
 */
export type KvmDevice = 'absent' | 'no-access' | 'present';
export type ProbeResult = { ok: true } | { ok: false; detail: string };

export interface AccelFacts {
  forced?: string | undefined;
  kvmDevice: KvmDevice;
  probe?: ProbeResult;
}

export type AccelDecision = { kind: 'use'; accel: Accel; note: string } | { kind: 'probe' } | { kind: 'invalid'; message: string };

export function decideAccel(f: AccelFacts): AccelDecision {
  if (f.forced !== undefined && f.forced !== '') {
    if (f.forced === 'tcg') return { kind: 'use', accel: 'tcg', note: 'TCG (software emulation) as HARDENLAB_ACCEL=tcg asks.' };
    if (f.forced === 'kvm') return { kind: 'use', accel: 'kvm', note: 'KVM as HARDENLAB_ACCEL=kvm asks (not probed).' };
    return { kind: 'invalid', message: `HARDENLAB_ACCEL="${f.forced}" is neither "kvm" nor "tcg".` };
  }
  if (f.kvmDevice === 'absent') return { kind: 'use', accel: 'tcg', note: 'No /dev/kvm on this machine: using TCG software emulation (slower; boots take tens of seconds).' };
  if (f.kvmDevice === 'no-access') return { kind: 'use', accel: 'tcg', note: '/dev/kvm is not accessible to this user: using TCG software emulation (add the user to group "kvm" for speed).' };
  if (!f.probe) return { kind: 'probe' };
  if (f.probe.ok) return { kind: 'use', accel: 'kvm', note: 'KVM hardware acceleration.' };
  return { kind: 'use', accel: 'tcg', note: `KVM is present but does not run a guest here (${f.probe.detail}): using TCG software emulation (slower).` };
}

/**
 * Reading the probe: QEMU was asked for its run state a moment after the
 * guest firmware started. "running" means the CPU executes guest code;
 * "internal-error" is the KVM emulation failure; an exit means QEMU could not
 * even set the vCPU up (e.g. "failed to set MSR").
 */
export function judgeKvmProbe(o: { exited: boolean; exitCode?: number | null; status?: string; stderr: string }): ProbeResult {
  const firstErr = o.stderr.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  if (o.exited) return { ok: false, detail: firstErr || `QEMU exited with status ${o.exitCode ?? 'unknown'}` };
  if (o.status === 'running') return { ok: true };
  if (o.status === 'internal-error') return { ok: false, detail: firstErr || 'KVM internal error' };
  return { ok: false, detail: `the guest was in state "${o.status ?? 'unknown'}"${firstErr ? `: ${firstErr}` : ''}` };
}
