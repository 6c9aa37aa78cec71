import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetProbeItem } from '../../../engine/target';
import type { ConfFile } from '../parse';

/**
 * The lab VM's sysctl baseline as the probe sees it, from output recorded on
 * it: one copy for every test that starts from it (the step's own tests and
 * the audit-fix test), so they cannot drift apart.
 */
export const sysctlFixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8');

/** Fresh each call: tests replace answers as they apply a plan. */
export function recordedSysctlAnswers(): Record<string, TargetProbeItem> {
  return {
    all: { code: 0, stdout: sysctlFixture('debian12-cloud-sysctl-a') },
    ourFile: { code: 1, stdout: '' },
    systemd: { code: 0, stdout: '' },
    release: { code: 0, stdout: '6.1.0-50-cloud-amd64\n' },
    containersInstalled: { code: 0, stdout: '' },
    containersRunning: { code: 0, stdout: '' },
    perfRestrict: { code: 0, stdout: '1\n' },
  };
}

/** The sysctl.d files Debian 12 ships, each once. */
export function debian12SysctlFiles(): ConfFile[] {
  return [
    { path: '/etc/sysctl.d/99-sysctl.conf', content: sysctlFixture('debian12-etc-sysctl.conf') },
    { path: '/usr/lib/sysctl.d/50-pid-max.conf', content: sysctlFixture('usr-lib-50-pid-max.conf') },
    { path: '/usr/lib/sysctl.d/99-protect-links.conf', content: sysctlFixture('usr-lib-99-protect-links.conf') },
  ];
}
