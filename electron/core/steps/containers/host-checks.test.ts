import { describe, expect, it } from 'vitest';
import { auditRulesCheck, auditWatched, dockerGroupCheck, filePermissionsCheck, parseMountPoints, parseStat, separatePartitionCheck } from './host-checks';

describe('separate partition for Docker (CIS 1.1.1)', () => {
  const mounts = parseMountPoints('/dev/vda1 / ext4 rw,relatime 0 0\ntmpfs /run tmpfs rw 0 0\n/dev/vdb1 /var/lib/docker ext4 rw 0 0\n/dev/vdc1 /mnt/with\\040space ext4 rw 0 0\n');
  it('decodes octal escapes in mount points', () => expect(mounts).toContain('/mnt/with space'));
  it('passes when the data root is a mount point, and names the file system it shares otherwise', () => {
    expect(separatePartitionCheck(mounts, '/var/lib/docker', false).status).toBe('pass');
    const fail = separatePartitionCheck(['/', '/run'], '/var/lib/docker', false);
    expect(fail).toMatchObject({ status: 'fail', evidence: '/var/lib/docker is not a mount point: it shares the file system of /' });
  });
  it('looks at the parent of a userns-remapped root', () => {
    expect(separatePartitionCheck(mounts, '/var/lib/docker/100000.100000', true).status).toBe('pass');
  });
});

describe('docker group (CIS 1.1.2)', () => {
  it('passes with no members or admins only, fails for a non-admin member', () => {
    expect(dockerGroupCheck('docker:x:108:', ['sudo:x:27:lab,labpw']).status).toBe('pass');
    expect(dockerGroupCheck('docker:x:108:lab', ['sudo:x:27:lab,labpw']).status).toBe('pass');
    const bad = dockerGroupCheck('docker:x:108:lab,ci', ['sudo:x:27:lab', 'wheel:x:10:']);
    expect(bad).toMatchObject({ status: 'fail', evidence: expect.stringContaining(': ci') });
    expect(dockerGroupCheck(null, []).status).toBe('skip');
  });
});

describe('audit rules (CIS 1.1.3-1.1.18)', () => {
  const rules = '-w /usr/bin/dockerd -p rwxa -k docker\n-a always,exit -F path=/run/containerd -F perm=war -k docker\n# -w /etc/docker -k docker\n';
  it('matches -w and path= rules, not comments or prefixes', () => {
    expect(auditWatched(rules, '/usr/bin/dockerd')).toBe(true);
    expect(auditWatched(rules, '/run/containerd')).toBe(true);
    expect(auditWatched(rules, '/etc/docker')).toBe(false);
    expect(auditWatched(rules, '/usr/bin/docker')).toBe(false);
  });
  it('fails without auditd, lists the files without a rule, passes when all are covered', () => {
    expect(auditRulesCheck({ auditctlPresent: false, rules: '', existing: ['/etc/docker'] }).evidence).toMatch(/auditd is not installed/);
    expect(auditRulesCheck({ auditctlPresent: true, rules, existing: ['/usr/bin/dockerd', '/etc/docker'] })).toMatchObject({ status: 'fail', evidence: 'no audit rule for: /etc/docker' });
    expect(auditRulesCheck({ auditctlPresent: true, rules, existing: ['/usr/bin/dockerd', '/run/containerd'] }).status).toBe('pass');
    expect(auditRulesCheck({ auditctlPresent: true, rules, existing: [] }).status).toBe('skip');
  });
});

describe('file owners and permissions (CIS 3.x)', () => {
  it('checks bits, not a numeric comparison (0604 is wider than 644 in no way, 0654 is)', () => {
    const ok = parseStat('root:root 644 /etc/docker/daemon.json\nroot:root 604 /lib/systemd/system/docker.service\nroot:docker 660 /var/run/docker.sock\nroot:root 755 /etc/docker\n');
    expect(filePermissionsCheck(ok).status).toBe('pass');
    const bad = parseStat('root:root 654 /etc/docker/daemon.json\nroot:root 666 /var/run/docker.sock\nlab:root 755 /etc/docker\n');
    const r = filePermissionsCheck(bad);
    expect(r.status).toBe('fail');
    expect(r.evidence).toContain('/etc/docker/daemon.json root:root 654 (wanted root:root, at most 644)');
    expect(r.evidence).toContain('/var/run/docker.sock root:root 666 (wanted root:docker, at most 660)');
    expect(r.evidence).toContain('/etc/docker lab:root 755');
    expect(filePermissionsCheck(new Map()).status).toBe('skip');
  });
});
