import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CanaryStore } from '../canaries/store';
import { labExecOk, labTestContext } from '../lab/testing';
import { labSshOptions } from '../hypervisor/qemu/instance/ready';
import { run } from '../proc';
import { useCleanLab } from '../testing/lab-core';
import { exportExperiment } from './report';

// From the lab to the fleet, for real: prove changes in the lab, export them
// as a playbook, put the VM back to before, let Ansible apply the playbook,
// and our own audit must then see what it saw after the experiment. A second
// Ansible run must change nothing.
const core = useCleanLab('fleet');
// The canaries live in the home every integration file shares: leave none behind, even when the test fails.
afterAll(() => new CanaryStore(labTestContext().home).forget('lab'));

const PICK = (checks: Array<{ id: string; status: string }>) =>
  checks.filter((c) => c.id.startsWith('ssh.') || c.id.startsWith('sysctl.')).map((c) => `${c.id}=${c.status}`).sort();

async function ansible(dir: string, playbook: string): Promise<{ code: number | null; out: string }> {
  const r = await run('ansible-playbook', ['-i', join(dir, 'inventory.ini'), playbook], {
    timeoutMs: 15 * 60_000,
    env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_RETRY_FILES_ENABLED: '0' },
  });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('fleet export round trip on the real lab VM', () => {
  it('applies the proven changes with Ansible to the same result, and a second run changes nothing', async () => {
    const { info } = labTestContext();
    const s = core().services;
    // Ansible's modules need Python on the host they manage, as any fleet host has.
    await labExecOk('command -v python3 >/dev/null || (sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3)', { timeoutMs: 15 * 60_000 });
    const driver = await s.drivers.getDriver('qemu');
    const base = await driver.takeSnapshot('lab', `fleet-base-${Date.now()}`, { live: true });

    // The canaries travel with the playbook: each runs on the host after the changes and fails it when it breaks.
    await s.canaries.add('lab', { kind: 'tcp', name: 'fleet-sshd', port: 22 });
    await s.canaries.add('lab', { kind: 'command', name: 'fleet-root', argv: ['id', '-u'], elevated: true, stdoutMatch: '^0$' });
    const mine: string[] = [];
    for (const step of ['ssh', 'sysctl']) {
      const plan = await s.engine.plan('lab', step, step === 'ssh' ? { stronger: true } : {});
      const r = await s.engine.apply('lab', plan.id, { confirmWarnings: true });
      expect(r.outcome, JSON.stringify(r.error)).toBe('verified');
      mine.push(r.experimentId);
    }
    const proven = PICK((await s.engine.audit('lab')).checks);
    expect(proven.filter((c) => c.endsWith('=fail'))).toEqual([]);

    await s.canaries.forget('lab');
    const profile = await s.profiles.get('lab');
    // The lane's journal also holds other files' experiments on this VM: export what this test proved.
    const experiments = (await s.journal.read('lab')).experiments.filter((e) => mine.includes(e.id));
    expect(experiments).toHaveLength(2);
    const exported = exportExperiment(experiments, undefined, 'ansible', profile);
    const dir = mkdtempSync(join(tmpdir(), 'hl-fleet-'));
    writeFileSync(join(dir, 'hardenlab.yml'), exported.content);
    const ssh = labSshOptions({ name: info.name, keyPath: info.keyPath, port: info.port }, info.knownHostsFile).filter((a) => a !== '-F' && a !== 'none');
    // The exported inventory example, pointed at the lab with its key and recorded host key.
    writeFileSync(join(dir, 'inventory.ini'), exported.inventory!.replace(/^(lab .*)$/m, `$1 ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='${ssh.join(' ')}'`));

    // Back to before the experiments.
    s.connections.forget('lab');
    await driver.restoreSnapshot('lab', base.id);
    await s.connections.waitForSsh(profile, { deadlineMs: 180_000 });
    expect(PICK((await s.engine.audit('lab')).checks)).not.toEqual(proven);

    const check = await run('ansible-playbook', ['-i', join(dir, 'inventory.ini'), join(dir, 'hardenlab.yml'), '--check', '--diff'], { timeoutMs: 15 * 60_000, env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/\+PasswordAuthentication no/);

    const first = await ansible(dir, join(dir, 'hardenlab.yml'));
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/TASK \[canary fleet-sshd: tcp\][\s\S]*ok: \[lab\]/);
    expect(first.out).toMatch(/TASK \[canary fleet-root: command\][\s\S]*ok: \[lab\]/);
    s.connections.forget('lab');
    expect(PICK((await s.engine.audit('lab')).checks)).toEqual(proven);

    const second = await ansible(dir, join(dir, 'hardenlab.yml'));
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/changed=0\s/);
  });
});
