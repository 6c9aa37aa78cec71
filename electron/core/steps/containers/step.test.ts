import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { debianAdapter } from '../../distro/debian';
import { parseOsRelease } from '../../distro/os-release';
import { alpineAdapter } from '../../distro/alpine';
import { auditContainers } from './audit';
import { parseDockerBench } from './bench-parse';
import { dockerdValidates, factsFromProbe, parseDockerInfo, type ContainersFacts, type ContainersProbe } from './facts';
import { planContainers } from './plan';
import { containersOptions } from './step';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const probe = (name: string) => JSON.parse(fixture(name)) as ContainersProbe;
const debian = debianAdapter(parseOsRelease(readFileSync(join(__dirname, '../../distro/fixtures/debian-12-os-release'), 'utf8')));
const alpine = alpineAdapter(parseOsRelease(readFileSync(join(__dirname, '../../distro/fixtures/alpine-3.20-os-release'), 'utf8')));
const defaults = containersOptions.parse({});
const notRequested = { kind: 'not-requested' } as const;
const byId = (checks: ReturnType<typeof auditContainers>) => Object.fromEntries(checks.map((c) => [c.id, c]));

describe('facts recorded on the lab VM: Docker 20.10, four containers, no daemon.json', () => {
  const facts = factsFromProbe(probe('probe-debian12-docker-baseline.json'));

  it('parses the probe', () => {
    expect(facts.dockerClient).toBe('/usr/bin/docker');
    expect(facts.info).toMatchObject({ serverVersion: '20.10.24+dfsg1', liveRestore: false, loggingDriver: 'json-file', dockerRootDir: '/var/lib/docker', swarm: 'inactive' });
    expect(facts.podmanVersion).toBeNull();
    expect(facts.daemonJson).toBeNull();
    expect(facts.dockerd?.argv).toEqual(['/usr/sbin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock']);
    expect(facts.dockerdValidates).toBe(false);
    expect(facts.bridgeIcc).toBe(true);
    expect(facts.containers.map((c) => c.name).sort()).toEqual(['hosty', 'priv', 'socky', 'tidy']);
    expect(facts.stats['/var/run/docker.sock']).toEqual({ owner: 'root:docker', mode: 0o660, path: '/var/run/docker.sock' });
  });

  it('plans daemon.json, keeps the containers running through a reload then a restart, and names each risky container', () => {
    const d = planContainers(facts, defaults, debian, notRequested, '/x.sh');
    expect(d.nothingToDo).toBe(false);
    expect(d.files.map((f) => [f.path, f.before])).toEqual([['/etc/docker/daemon.json', null]]);
    expect(d.commands.map((c) => c.argv.join(' '))).toEqual(['systemctl reload docker', 'systemctl restart docker']);
    expect(d.data!.keepRunning.sort()).toEqual(['hosty', 'priv', 'socky', 'tidy']);
    const messages = d.warnings!.map((w) => w.message);
    expect(messages.some((m) => m.startsWith('Container "priv" runs with --privileged'))).toBe(true);
    expect(messages.some((m) => m.startsWith('Container "socky" has the engine socket /var/run/docker.sock mounted'))).toBe(true);
    expect(messages.some((m) => /icc false reaches the default bridge only when/.test(m))).toBe(true);
    // Containers are never stopped: nothing that would needs confirming.
    expect(d.warnings!.filter((w) => w.kind !== 'info')).toEqual([]);
  });

  it('without live-restore the restart stops containers: a breaks-docker warning names them', () => {
    const d = planContainers(facts, { ...defaults, liveRestore: false }, debian, notRequested, '/x.sh');
    expect(d.commands.map((c) => c.argv.join(' '))).toEqual(['systemctl restart docker']);
    expect(d.warnings!.find((w) => w.kind === 'breaks-docker')!.message).toMatch(/stops the running containers .*priv/);
  });

  it('userns-remap is an opt-in that warns it breaks Docker', () => {
    const d = planContainers(facts, { ...defaults, usernsRemap: true }, debian, notRequested, '/x.sh');
    expect(d.warnings!.filter((w) => w.kind === 'breaks-docker').map((w) => w.message).join(' ')).toMatch(/new storage root/);
    expect(d.data!.keepRunning).toEqual([]);
  });

  it('uses OpenRC on Alpine', () => {
    const d = planContainers(facts, defaults, alpine, notRequested, '/x.sh');
    expect(d.commands.map((c) => c.argv.join(' '))).toEqual(['rc-service docker reload', 'rc-service docker restart']);
  });

  it('audits: privileged, socket, namespaces and daemon settings fail with evidence', () => {
    const a = byId(auditContainers(facts));
    expect(a['containers.no-privileged']).toMatchObject({ status: 'fail', evidence: 'priv: HostConfig.Privileged=true' });
    expect(a['containers.no-docker-sock']).toMatchObject({ status: 'fail', evidence: 'socky: Mounts: /var/run/docker.sock -> /var/run/docker.sock' });
    expect(a['containers.no-host-namespaces']!.evidence).toContain('hosty: HostConfig.NetworkMode=host');
    expect(a['containers.daemon-no-new-privileges']).toMatchObject({ status: 'fail', evidence: 'no-new-privileges: false (dockerd\'s default)' });
    expect(a['containers.daemon-icc']!.status).toBe('fail');
    expect(a['containers.daemon-live-restore']!.status).toBe('fail');
    expect(a['containers.daemon-log-limits']!.status).toBe('fail');
    expect(a['containers.host-docker-partition']!.status).toBe('fail');
    expect(a['containers.host-docker-group']!.status).toBe('pass');
    expect(a['containers.host-audit-rules']).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/auditd is not installed/) });
    expect(a['containers.host-file-permissions']!.status).toBe('pass');
  });
});

describe('facts recorded after the hardening (live-restore kept the containers and the bridge)', () => {
  const facts = factsFromProbe(probe('probe-debian12-docker-hardened.json'));
  it('re-plans to nothing, still naming the risky containers', () => {
    const d = planContainers(facts, defaults, debian, notRequested, '/x.sh');
    expect(d.nothingToDo).toBe(true);
    expect(d.commands).toEqual([]);
    expect(d.warnings!.some((w) => w.message.includes('"priv"'))).toBe(true);
  });
  it('audits the daemon settings as passing, except icc which waits for a start without containers', () => {
    const a = byId(auditContainers(facts));
    for (const id of ['containers.daemon-no-new-privileges', 'containers.daemon-live-restore', 'containers.daemon-userland-proxy', 'containers.daemon-log-limits']) expect(a[id]!.status, id).toBe('pass');
    expect(a['containers.daemon-icc']).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/default bridge still has enable_icc=true/) });
    expect(a['containers.daemon-userns']!.status).toBe('fail');
  });
});

describe('no container engine', () => {
  const missing = { code: 127, stdout: '' };
  const empty = Object.fromEntries(Object.keys(probe('probe-debian12-docker-baseline.json')).map((k) => [k, missing])) as ContainersProbe;
  const facts: ContainersFacts = factsFromProbe({ ...empty, mounts: { code: 0, stdout: '/dev/vda1 / ext4 rw 0 0\n' }, tools: { code: 0, stdout: 'bash\n' }, stat: { code: 0, stdout: '' } });
  it('says so and changes nothing; the audit skips', () => {
    const d = planContainers(facts, defaults, debian, notRequested, '/x.sh');
    expect(d).toMatchObject({ nothingToDo: true, files: [], commands: [] });
    expect(d.warnings).toEqual([{ kind: 'info', message: expect.stringMatching(/No container engine/) }]);
    const a = auditContainers(facts);
    expect(a.filter((c) => c.id.startsWith('containers.no-') || c.id.startsWith('containers.daemon-')).every((c) => c.status === 'skip')).toBe(true);
  });
});

describe('the scan in the plan', () => {
  const facts = factsFromProbe(probe('probe-debian12-docker-hardened.json'));
  it('shows the grouped results, host configuration first, and keeps the report in the plan data', () => {
    const report = parseDockerBench(fixture('docker-bench-1.6.0-debian12.log'));
    const d = planContainers(facts, defaults, debian, { kind: 'ran', run: { scriptPath: '/usr/local/share/docker-bench-security/docker-bench-security.sh', exitCode: 0, durationMs: 95_000, report } }, '/x.sh');
    const scan = d.warnings!.filter((w) => w.message.startsWith('docker-bench-security'));
    expect(scan[0]!.message).toMatch(/ran in 95 s: 31 WARN, 45 PASS, 30 INFO, 12 NOTE, score -21/);
    expect(scan[1]!.message).toMatch(/^docker-bench-security 1 Host Configuration: 10 WARN/);
    expect(d.data!.bench!.report.sections).toHaveLength(7);
    expect(d.nothingToDo).toBe(true);
  });
  it('a fetch is a planned command with a needs-network warning', () => {
    const d = planContainers(facts, defaults, debian, { kind: 'fetch', commands: [{ argv: ['git', 'clone'], elevated: true, why: 'fetch' }], evidence: 'connected' }, '/x.sh');
    expect(d.nothingToDo).toBe(false);
    expect(d.data!.fetchBench).toBe(true);
    expect(d.warnings!.map((w) => w.kind)).toContain('needs-network');
  });
});

describe('docker info, recorded before and after live-restore was turned on', () => {
  it('reads what dockerd really runs with', () => {
    expect(parseDockerInfo(fixture('docker-20.10-info.json'))).toEqual({
      serverVersion: '20.10.24+dfsg1',
      liveRestore: false,
      loggingDriver: 'json-file',
      securityOptions: ['name=apparmor', 'name=seccomp,profile=default', 'name=cgroupns'],
      dockerRootDir: '/var/lib/docker',
      swarm: 'inactive',
      containersRunning: 4,
    });
    expect(parseDockerInfo(fixture('docker-20.10-info-live-restore.json'))!.liveRestore).toBe(true);
    expect(parseDockerInfo('Cannot connect to the Docker daemon at unix:///var/run/docker.sock.')).toBeNull();
  });
});

describe('dockerd --validate', () => {
  it('is used from Docker 23 on', () => {
    expect(dockerdValidates('20.10.24+dfsg1')).toBe(false);
    expect(dockerdValidates('23.0.1')).toBe(true);
    expect(dockerdValidates('27.3.1')).toBe(true);
    expect(dockerdValidates(null)).toBe(false);
  });
  it('validates the new file before the restart when dockerd can', () => {
    const facts = factsFromProbe(probe('probe-debian12-docker-baseline.json'));
    const d = planContainers({ ...facts, dockerdValidates: true, dockerdPath: '/usr/bin/dockerd' }, defaults, debian, notRequested, '/x.sh');
    expect(d.commands[0]!.argv).toEqual(['/usr/bin/dockerd', '--validate', '--config-file', '/etc/docker/daemon.json']);
  });
});

describe('options', () => {
  it('refuses a script path with shell metacharacters or ..', () => {
    expect(containersOptions.safeParse({ benchPath: '/opt/bench/docker-bench-security.sh' }).success).toBe(true);
    expect(containersOptions.safeParse({ benchPath: '/opt/x;rm -rf /.sh' }).success).toBe(false);
    expect(containersOptions.safeParse({ benchPath: '/opt/../etc/x.sh' }).success).toBe(false);
    expect(containersOptions.safeParse({ benchPath: 'relative.sh' }).success).toBe(false);
    expect(containersOptions.safeParse({ unknown: true }).success).toBe(false);
  });
});
