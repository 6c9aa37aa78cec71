import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerRisks, parseInspect, runsAsRoot } from './inspect';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('docker inspect recorded on the lab VM (Docker 20.10.24, Debian 12)', () => {
  const containers = parseInspect(fixture('docker-20.10-inspect-running.json'));
  const byName = new Map(containers.map((c) => [c.name, c]));
  const kinds = (name: string) => containerRisks(byName.get(name)!).map((r) => r.kind);

  it('reads the four containers without the leading slash', () => {
    expect([...byName.keys()].sort()).toEqual(['hosty', 'priv', 'socky', 'tidy']);
    expect(byName.get('priv')!.image).toBe('hl-test');
    expect(byName.get('priv')!.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('flags --privileged by name, with the field that decided it', () => {
    const risks = containerRisks(byName.get('priv')!);
    expect(risks.map((r) => r.kind)).toEqual(['privileged']);
    expect(risks[0]!.message).toContain('"priv"');
    expect(risks[0]!.fix).toMatch(/without --privileged/);
    expect(risks[0]!.evidence).toBe('HostConfig.Privileged=true');
  });

  it('flags the docker socket mount', () => {
    const risks = containerRisks(byName.get('socky')!);
    expect(risks.map((r) => r.kind)).toEqual(['engine-socket']);
    expect(risks[0]!.evidence).toBe('Mounts: /var/run/docker.sock -> /var/run/docker.sock');
  });

  it('flags host namespaces, unconfined profiles, SYS_ADMIN and a read-only /etc mount', () => {
    expect(kinds('hosty').sort()).toEqual(['apparmor-unconfined', 'dangerous-capability', 'host-ipc', 'host-network', 'host-pid', 'seccomp-unconfined', 'sensitive-mount'].sort());
    const etc = containerRisks(byName.get('hosty')!).find((r) => r.kind === 'sensitive-mount')!;
    expect(etc.message).toMatch(/\/etc mounted at \/host-etc \(read-only/);
  });

  it('finds nothing wrong with a locked-down container', () => {
    expect(kinds('tidy')).toEqual([]);
    expect(runsAsRoot(byName.get('tidy')!)).toBe(false);
    expect(runsAsRoot(byName.get('priv')!)).toBe(true);
    expect(runsAsRoot(byName.get('hosty')!)).toBe(true);
  });
});

describe('podman inspect (same field names, no leading slash, CAP_ prefixes)', () => {
  const [exporter, web] = parseInspect(fixture('podman-4.3-inspect.json'));
  it('flags host network and PID, SYS_PTRACE and the host root mount', () => {
    expect(exporter!.name).toBe('node-exporter');
    expect(containerRisks(exporter!).map((r) => r.kind).sort()).toEqual(['dangerous-capability', 'host-network', 'host-pid', 'sensitive-mount']);
    expect(containerRisks(exporter!).find((r) => r.kind === 'dangerous-capability')!.message).toContain('SYS_PTRACE');
  });
  it('a plain nginx is fine', () => {
    expect(containerRisks(web!)).toEqual([]);
    expect(web!.image).toBe('docker.io/library/nginx:1.25');
  });
});

describe('edge cases', () => {
  it('a mount of /run exposes the docker socket inside it', () => {
    const [c] = parseInspect(JSON.stringify([{ Id: 'a'.repeat(64), Name: '/x', HostConfig: {}, Config: {}, Mounts: [{ Type: 'bind', Source: '/run', Destination: '/host-run', RW: true }] }]));
    expect(containerRisks(c!).map((r) => r.kind)).toEqual(['engine-socket']);
  });
  it('refuses output that is not an array', () => {
    expect(() => parseInspect('{"message":"x"}')).toThrow(/array/);
    expect(() => parseInspect('Error: No such object')).toThrow();
  });
});
