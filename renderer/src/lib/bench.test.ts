import { describe, expect, it } from 'vitest';
import type { BenchReport, BenchSection } from '../../../shared/docker-bench';
import { initiallyOpen, sectionTally, visibleChecks } from './bench';

const counts = (WARN: number, PASS: number, NOTE = 0, INFO = 0) => ({ WARN, PASS, NOTE, INFO });
const host: BenchSection = {
  id: '1',
  title: 'Host Configuration',
  groups: [],
  checks: [
    { id: '1.1.1', title: 'Ensure a separate partition for containers has been created', level: 'WARN', assessment: 'Automated', details: [] },
    { id: '1.1.2', title: 'Ensure only trusted users are allowed to control Docker daemon', level: 'INFO', assessment: 'Automated', details: ['Users: lab'] },
    { id: '1.2.1', title: 'Ensure the container host has been Hardened', level: 'NOTE', assessment: 'Manual', details: [] },
    { id: '1.2.2', title: 'Ensure that the version of Docker is up to date', level: 'PASS', assessment: null, details: [] },
  ],
  counts: counts(1, 1, 1, 1),
};
const daemon: BenchSection = { id: '2', title: 'Docker daemon configuration', groups: [], checks: [], counts: counts(0, 3) };
const images: BenchSection = { id: '4', title: 'Container Images and Build File', groups: [], checks: [], counts: counts(2, 0) };

describe('docker-bench report view', () => {
  it('shows findings (warnings, then manual checks) or every check', () => {
    expect(visibleChecks(host, 'findings').map((c) => c.id)).toEqual(['1.1.1', '1.2.1']);
    expect(visibleChecks(host, 'all').map((c) => c.id)).toEqual(['1.1.1', '1.1.2', '1.2.1', '1.2.2']);
  });

  it('tallies a section in words', () => {
    expect(sectionTally(host)).toBe('1 warning · 1 passed · 1 to check by hand · 1 info');
    expect(sectionTally(daemon)).toBe('0 warnings · 3 passed');
  });

  it('opens the host section first, then the first one with warnings', () => {
    const report = { sections: [host, daemon, images] } as unknown as BenchReport;
    expect([...initiallyOpen(report)]).toEqual(['1', '4']);
  });
});
