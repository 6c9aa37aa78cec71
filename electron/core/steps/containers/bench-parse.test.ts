import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerBench, summariseBench } from './bench-parse';
import { BenchReportSchema } from '../../../../shared/docker-bench';

const log = readFileSync(join(__dirname, 'fixtures', 'docker-bench-1.6.0-debian12.log'), 'utf8');

describe('docker-bench-security output', () => {
  const r = parseDockerBench(log);

  it('reads the banner, the start and the score', () => {
    expect(r.version).toBe('1.6.0');
    expect(r.benchmark).toBe('1.6.0');
    expect(r.startedAt).toBe('2026-11-29T07:41:18+00:00');
    expect(r.totalChecks).toBe(117);
    expect(r.score).toBe(-21);
    expect(BenchReportSchema.parse(r)).toEqual(r);
  });

  it('groups checks by section, host configuration first', () => {
    expect(r.sections.map((s) => `${s.id} ${s.title}`)).toEqual([
      '1 Host Configuration',
      '2 Docker daemon configuration',
      '3 Docker daemon configuration files',
      '4 Container Images and Build File',
      '5 Container Runtime',
      '6 Docker Security Operations',
      '7 Docker Swarm Configuration',
    ]);
    const host = r.sections[0]!;
    expect(host.groups).toEqual([
      { id: '1.1', title: 'Linux Hosts Specific Configuration' },
      { id: '1.2', title: 'General Configuration' },
    ]);
    expect(host.checks[0]).toMatchObject({ id: '1.1.1', level: 'WARN', assessment: 'Automated', title: 'Ensure a separate partition for containers has been created' });
    expect(host.checks.map((c) => c.id)).toContain('1.2.2');
    expect(host.counts).toEqual({ PASS: 1, WARN: 10, INFO: 8, NOTE: 1 });
  });

  it('keeps the detail lines with their check', () => {
    const users = r.sections[0]!.checks.find((c) => c.id === '1.1.2')!;
    expect(users.level).toBe('INFO');
    expect(users.details).toEqual(['Users: lab']);
    const priv = r.sections[4]!.checks.find((c) => c.id === '5.5')!;
    expect(priv).toMatchObject({ level: 'WARN', details: ['Container running in Privileged mode: priv'] });
    const sock = r.sections[4]!.checks.find((c) => c.id === '5.32')!;
    expect(sock.details).toEqual(['Docker socket shared: socky']);
  });

  it('drops the id that 1.6.0 repeats in 1.1.12 and attaches remediation from Section B', () => {
    const c = r.sections[0]!.checks.find((x) => x.id === '1.1.12')!;
    expect(c.title).toBe('Ensure auditing is configured for Dockerfiles and directories - /etc/containerd/config.toml');
    const part = r.sections[0]!.checks.find((x) => x.id === '1.1.1')!;
    expect(part.remediation).toMatch(/^For new installations/);
    expect(part.remediationImpact).toBe('None.');
    expect(r.sections[1]!.checks.find((x) => x.id === '2.14')!.remediation).toContain('--no-new-privileges');
  });

  it('Section B does not add checks', () => {
    const all = r.sections.flatMap((s) => s.checks.map((c) => c.id));
    expect(new Set(all).size).toBe(all.length);
    expect(r.counts.PASS + r.counts.WARN + r.counts.INFO + r.counts.NOTE).toBe(all.length);
  });

  it('strips colours and reads the old 1.3 format ("5.4  - ", Scored)', () => {
    const old = [
      '\x1b[1;33m# Docker Bench for Security v1.3.6\x1b[0m',
      '\x1b[1;34m[INFO]\x1b[0m 5 - Container Runtime',
      '\x1b[1;31m[WARN]\x1b[0m 5.4  - Ensure that privileged containers are not used (Scored)',
      '\x1b[1;31m[WARN]\x1b[0m      * Container running in Privileged mode: web',
      '\x1b[1;32m[PASS]\x1b[0m 5.9  - Ensure that the host\'s network namespace is not shared (Scored)',
      '\x1b[1;34m[INFO]\x1b[0m Checks: 2',
      '\x1b[1;34m[INFO]\x1b[0m Score: 0',
    ].join('\n');
    const o = parseDockerBench(old);
    expect(o.version).toBe('1.3.6');
    expect(o.sections[0]!.checks).toEqual([
      { id: '5.4', title: 'Ensure that privileged containers are not used', level: 'WARN', assessment: 'Scored', details: ['Container running in Privileged mode: web'] },
      { id: '5.9', title: "Ensure that the host's network namespace is not shared", level: 'PASS', assessment: 'Scored', details: [] },
    ]);
    expect(o.score).toBe(0);
  });

  it('collects warnings outside any check as notices, and gives nothing for an error', () => {
    expect(parseDockerBench('[WARN] Some tests might require root to run\n').notices).toEqual(['Some tests might require root to run']);
    expect(parseDockerBench('Error connecting to docker daemon (does docker ps work?)\n').sections).toEqual([]);
  });

  it('summarises each section with its first warnings', () => {
    const lines = summariseBench(r);
    expect(lines[0]).toMatch(/^1 Host Configuration: 10 WARN, 1 PASS, 8 INFO, 1 NOTE\. 1\.1\.1 Ensure a separate partition/);
    expect(lines[0]).toMatch(/and 7 more\.$/);
    expect(lines[4]).toContain('5.2 Ensure that, if applicable, an AppArmor Profile is enabled (No AppArmorProfile Found: priv)');
  });
});
