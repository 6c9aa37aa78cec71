import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetProbeItem } from '../../../engine/target';

/**
 * The lab VM's modules baseline as the probe sees it, from output recorded
 * on it: one copy for the step's own tests and the audit-fix test.
 */
export const modulesFixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8');
const distroFixture = (name: string): string => readFileSync(join(__dirname, '..', '..', '..', 'distro', 'fixtures', name), 'utf8');

/** `modprobe -D` answers recorded on the lab VM, keyed like the probe's commands. */
export function recordedDryRuns(): Record<string, TargetProbeItem> {
  const out: Record<string, TargetProbeItem> = {};
  const re = /^=== (\S+)\n([\s\S]*?)=== rc=(\d+)\n/gm;
  for (const m of modulesFixture('debian12-modprobe-D').matchAll(re)) out[`dry:${m[1]}`] = { code: Number(m[3]), stdout: m[2]! };
  return out;
}

/** Every probe answer of the baseline, dry runs included; fresh each call. */
export function recordedModuleAnswers(): Record<string, TargetProbeItem> {
  return {
    modules: { code: 0, stdout: modulesFixture('debian12-cloud-proc-modules') },
    descriptions: { code: 0, stdout: modulesFixture('debian12-cloud-descriptions') },
    devices: { code: 0, stdout: modulesFixture('debian12-cloud-bound-devices') },
    mounts: { code: 0, stdout: modulesFixture('debian12-proc-mounts') },
    modulesDep: { code: 0, stdout: modulesFixture('debian12-cloud-modules.dep') },
    modulesBuiltin: { code: 0, stdout: modulesFixture('debian12-cloud-modules.builtin') },
    release: { code: 0, stdout: '6.1.0-50-cloud-amd64\n' },
    modprobeVersion: { code: 0, stdout: distroFixture('kmod-modprobe-version') },
    ourFile: { code: 1, stdout: '' },
    rules: { code: 0, stdout: modulesFixture('debian12-modprobe-rules') },
    disabled: { code: 0, stdout: '0\n' },
    containersInstalled: { code: 0, stdout: '' },
    containersRunning: { code: 0, stdout: '' },
    ...recordedDryRuns(),
  };
}
