import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetHost, FleetRun } from '../../../shared/fleet';
import { dispatch } from '../api/dispatch';
import { CanaryStore } from '../canaries/store';
import { labDestroy, labUp, type LabProfileInfo } from '../lab/index';
import { labExec, labExecOk, labTestContext } from '../lab/testing';
import { labSshOptions } from '../hypervisor/qemu/instance/ready';
import { run } from '../proc';
import { useCleanLab } from '../testing/lab-core';
import { exportFleet, provenChanges, type FleetChange } from './export';

// From the lab to the fleet, for real. The lab proves two changes (ssh,
// sysctl) once; then:
// 1. the exported playbook, run by Ansible on the lab put back to before,
//    gives what our audit saw after the experiments, with the lab's proofs
//    run on the host; a second run changes nothing; a change that locks
//    Ansible out is put back by the dead-man's switch the playbook armed.
// 2. a staged rollout on two lab VMs (the lab and a second one from the same
//    image): the plan shows both hosts' diffs; a host planted to fail the
//    proof stops the rollout after the first batch and its rescue restores
//    it; then both change and prove; then nothing changes.
const core = useCleanLab('fleet');
// Short, so the lock-out case waits less; a fleet host's fresh login and proofs take well under it.
const DEADLINE_S = 60;
// The canaries live in the home every integration file shares: leave none behind, even when the test fails.
afterAll(() => new CanaryStore(labTestContext().home).forget('lab'));

const PICK = (checks: Array<{ id: string; status: string }>) =>
  checks.filter((c) => c.id.startsWith('ssh.') || c.id.startsWith('sysctl.')).map((c) => `${c.id}=${c.status}`).sort();
const DROP_IN = '/etc/ssh/sshd_config.d/00-hardenlab.conf';

/** One inventory line per lab VM: its forwarded port, its key and its recorded host key (never accepted blindly). */
function inventoryLine(info: Pick<LabProfileInfo, 'name' | 'keyPath' | 'port' | 'user' | 'knownHostsFile'>): string {
  const ssh = labSshOptions({ name: info.name, keyPath: info.keyPath, port: info.port }, info.knownHostsFile).filter((a) => a !== '-F' && a !== 'none');
  return `${info.name} ansible_host=127.0.0.1 ansible_port=${info.port} ansible_user=${info.user} ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='${ssh.join(' ')}'`;
}

async function ansible(dir: string, playbook: string): Promise<{ code: number | null; out: string }> {
  const r = await run('ansible-playbook', ['-i', join(dir, 'inventory.ini'), playbook], {
    timeoutMs: 15 * 60_000,
    env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_RETRY_FILES_ENABLED: '0', ANSIBLE_PIPELINING: 'True' },
  });
  return { code: r.code, out: r.stdout + r.stderr };
}

const mine: string[] = [];
let proven: string[] = [];
let baseId = '';

beforeAll(async () => {
  const s = core().services;
  // Ansible's modules need Python on the host they manage, as any fleet host has: the lab image carries it.
  await labExecOk('command -v python3');
  const driver = await s.drivers.getDriver('qemu');
  baseId = (await driver.takeSnapshot('lab', `fleet-base-${Date.now()}`, { live: true })).id;
  // The canaries travel with the playbook: each runs on the host after the changes and fails it when it breaks.
  await s.canaries.add('lab', { kind: 'tcp', name: 'fleet-sshd', port: 22 });
  await s.canaries.add('lab', { kind: 'command', name: 'fleet-root', argv: ['id', '-u'], elevated: true, stdoutMatch: '^0$' });
  for (const step of ['ssh', 'sysctl']) {
    const plan = await s.engine.plan('lab', step, step === 'ssh' ? { stronger: true } : {});
    const r = await s.engine.apply('lab', plan.id, { confirmWarnings: true });
    expect(r.outcome, JSON.stringify(r.error)).toBe('verified');
    mine.push(r.experimentId);
  }
  proven = PICK((await s.engine.audit('lab')).checks);
  expect(proven.filter((c) => c.endsWith('=fail'))).toEqual([]);
  await s.canaries.forget('lab');
}, 15 * 60_000);

async function backToBase(): Promise<void> {
  const s = core().services;
  s.connections.forget('lab');
  await (await s.drivers.getDriver('qemu')).restoreSnapshot('lab', baseId);
  await s.connections.waitForSsh(await s.profiles.get('lab'), { deadlineMs: 180_000 });
}

describe('fleet export round trip on the real lab VM', () => {
  it('applies the proven changes with Ansible to the same result, and a second run changes nothing', async () => {
    const { info } = labTestContext();
    const s = core().services;
    const profile = await s.profiles.get('lab');
    // The lane's journal also holds other files' experiments on this VM: export what this test proved.
    const experiments = (await s.journal.read('lab')).experiments.filter((e) => mine.includes(e.id));
    expect(experiments).toHaveLength(2);
    const changes = provenChanges(experiments, undefined);
    expect(changes.map((c) => c.proofs?.length ?? 0).every((n) => n > 0)).toBe(true);
    const exported = exportFleet(changes, { profile: profile.name, host: profile.host, port: profile.port, user: profile.user, deadlineS: DEADLINE_S });
    const dir = mkdtempSync(join(tmpdir(), 'hl-fleet-'));
    writeFileSync(join(dir, 'hardenlab.yml'), exported.playbook);
    writeFileSync(join(dir, 'inventory.ini'), `[hardened]\n${inventoryLine(info)}\n`);

    await backToBase();
    expect(PICK((await s.engine.audit('lab')).checks)).not.toEqual(proven);

    const check = await run('ansible-playbook', ['-i', join(dir, 'inventory.ini'), join(dir, 'hardenlab.yml'), '--check', '--diff'], { timeoutMs: 15 * 60_000, env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_PIPELINING: 'True' } });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/\+PasswordAuthentication no/);

    const first = await ansible(dir, join(dir, 'hardenlab.yml'));
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/TASK \[Canary fleet-sshd: tcp\][\s\S]*ok: \[lab\]/);
    expect(first.out).toMatch(/TASK \[Canary fleet-root: command\][\s\S]*ok: \[lab\]/);
    // The lab's proofs ran on the host, and sshd's change went behind the switch, which was disarmed.
    expect(first.out).toMatch(/TASK \[\[ssh\] prove sshd -T: passwordauthentication no\][^\n]*\nok: \[lab\]/);
    expect(first.out).toMatch(/TASK \[\[sysctl\] prove kernel\.kptr_restrict = 2\][^\n]*\nok: \[lab\]/);
    expect(first.out).toMatch(/TASK \[\[ssh\] proved: disarm the dead-man's switch\][^\n]*\nok: \[lab\]/);
    s.connections.forget('lab');
    expect(PICK((await s.engine.audit('lab')).checks)).toEqual(proven);

    const second = await ansible(dir, join(dir, 'hardenlab.yml'));
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/changed=0\s/);

    // A change that holds in the lab but locks Ansible out of this host (made so by hand here): sshd
    // reloads with it, the fresh connection fails, and the switch's own timer puts the file back.
    const proved = await labExecOk(`sudo cat ${DROP_IN}`);
    const lockout: FleetChange = {
      experimentId: 'lockout',
      step: 'ssh',
      files: [{ path: DROP_IN, content: `${proved}AllowUsers nobody\n`, mode: '0644' }],
      commands: [{ argv: ['/usr/sbin/sshd', '-t'], why: 'validate' }, { argv: ['systemctl', 'reload', 'ssh'], why: 'reload' }],
      packages: [],
      proofs: [],
      canaries: [],
    };
    writeFileSync(join(dir, 'lockout.yml'), exportFleet([lockout], { profile: profile.name, host: profile.host, port: profile.port, user: profile.user, deadlineS: DEADLINE_S }).playbook);
    const t0 = Date.now();
    const locked = await ansible(dir, join(dir, 'lockout.yml'));
    const seconds = (Date.now() - t0) / 1000;
    process.stderr.write(`[fleet] lock-out put back by the switch; the playbook ended after ${seconds.toFixed(0)} s (deadline ${DEADLINE_S} s)\n`);
    expect(locked.code, locked.out).toBe(2);
    expect(locked.out).toMatch(/TASK \[\[ssh\] a fresh connection and elevation work with the new sshd\][^\n]*\nfatal: \[lab\]/);
    expect(locked.out).toMatch(/restored: timer \S+ 0\)/);
    expect(seconds).toBeGreaterThanOrEqual(DEADLINE_S);
    s.connections.forget('lab');
    // The login works again, with the proved file back and no switch left behind.
    expect(await labExecOk(`sudo cat ${DROP_IN}`)).toBe(proved);
    expect((await labExecOk('sudo ls /var/lib/hardenlab/deadman/ 2>/dev/null | wc -l')).trim()).toBe('0');

    // The shell export of the same changes, run as root on the host: nothing to change, every proof holds, and
    // sshd's switch waits for a disarm from a new session (here: a new SSH login), which the script names.
    const shell = exportFleet(changes, { profile: profile.name, host: profile.host, port: profile.port, user: profile.user, deadlineS: DEADLINE_S }).shell;
    const ran = await labExec('sudo sh -s', { input: shell });
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stderr).not.toMatch(/does NOT hold/);
    expect(ran.stdout).toMatch(/Harden Lab: ssh holds here/);
    const disarmLine = ran.stdout.split('\n').find((l) => l.startsWith('  sh -c '))!;
    expect(disarmLine).toBeDefined();
    const disarm = await labExec(`sudo ${disarmLine.trim()}`);
    expect(disarm.code, disarm.stderr).toBe(0);
    expect((await labExecOk('sudo ls /var/lib/hardenlab/deadman/ 2>/dev/null | wc -l')).trim()).toBe('0');
  });
});

describe('a staged rollout on two lab VMs', () => {
  let lab2: LabProfileInfo | null = null;
  afterAll(async () => {
    if (lab2) await labDestroy(lab2.name, { home: labTestContext().home });
  });

  it('plans both, stops after a planted failure in the first batch (its rescue restores it), then rolls out and proves both, then changes nothing', async () => {
    const { info, home } = labTestContext();
    const s = core().services;
    await backToBase();
    const t0 = Date.now();
    lab2 = await labUp({ name: 'lab2', home });
    process.stderr.write(`[fleet] second lab VM up in ${((Date.now() - t0) / 1000).toFixed(0)} s beside the first\n`);
    const on2 = async (cmd: string) => {
      const r = await run('ssh', [...labSshOptions({ name: lab2!.name, keyPath: lab2!.keyPath, port: lab2!.port }, lab2!.knownHostsFile), `${lab2!.user}@127.0.0.1`, cmd], { timeoutMs: 60_000 });
      return { code: r.code, out: r.stdout };
    };
    const dir = mkdtempSync(join(tmpdir(), 'hl-rollout-'));
    const inventory = join(dir, 'inventory.ini');
    writeFileSync(inventory, `[hardened]\n${inventoryLine(info)}\n${inventoryLine(lab2)}\n`, { mode: 0o600 });
    const ssh = mine[0]!;
    const rows: FleetHost[] = [];
    const unsubscribe = s.events.subscribe((name, payload) => {
      if (name === 'fleet.host') rows.push((payload as { host: FleetHost }).host);
    });
    const call = async (channel: 'fleet.plan' | 'fleet.rollout', extra: object = {}): Promise<FleetRun> => {
      const r = await dispatch(core().handlers, channel, { profile: 'lab', experimentId: ssh, inventory, batches: '1,100%', deadlineS: DEADLINE_S, ...extra }, { door: 'cli', events: s.events });
      if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
      return (r.value as { run: FleetRun }).run;
    };
    try {
      const timed = async <T>(label: string, fn: () => Promise<T>) => {
        const t = Date.now();
        const out = await fn();
        process.stderr.write(`[fleet] ${label}: ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
        return out;
      };
      const plan = await timed('plan of 2 hosts', () => call('fleet.plan'));
      expect(plan.hosts.map((h) => [h.name, h.status])).toEqual([['lab', 'changed'], ['lab2', 'changed']]);
      for (const h of plan.hosts) expect(h.diffs.map((d) => d.diff).join('\n'), h.name).toMatch(/\+PasswordAuthentication no/);
      expect(await labExecOk(`test -e ${DROP_IN} && echo there || echo absent`)).toBe('absent\n');

      // Planted on the canary host: a drop-in read before ours that turns passwords back on, so the proof fails there.
      await labExecOk("echo 'PasswordAuthentication yes' | sudo tee /etc/ssh/sshd_config.d/0-planted.conf >/dev/null");
      rows.length = 0;
      const stopped = await timed('rollout stopped by the canary host', () => call('fleet.rollout'));
      expect(stopped).toMatchObject({ outcome: 'stopped', stoppedAfterBatch: 1, planned: [['lab'], ['lab2']] });
      const [one, two] = stopped.hosts;
      expect(one).toMatchObject({ name: 'lab', batch: 1, status: 'restored', proofs: { failed: ['sshd -T: passwordauthentication no'] } });
      expect(one!.restored).toMatch(/^engine \S+ 0$/);
      expect(two).toMatchObject({ name: 'lab2', status: 'not-run' });
      // Live: the canary host's row came while it ran, before the end.
      expect(rows.some((r) => r.name === 'lab' && r.status === 'running')).toBe(true);
      s.connections.forget('lab');
      // The rescue put the host back as it was (our drop-in gone, sshd restarted) and it answers a fresh login.
      expect(await labExecOk(`test -e ${DROP_IN} && echo there || echo absent`)).toBe('absent\n');
      expect((await on2(`test -e ${DROP_IN} && echo there || echo absent`)).out).toBe('absent\n');

      await labExecOk('sudo rm /etc/ssh/sshd_config.d/0-planted.conf');
      const done = await timed('rollout of 2 hosts', () => call('fleet.rollout'));
      expect(done.outcome).toBe('done');
      for (const h of done.hosts) expect(h, h.name).toMatchObject({ status: 'changed', proofs: { failed: [] } });
      for (const h of done.hosts) expect(h.proofs.held, h.name).toBeGreaterThan(5);
      expect((await on2('sudo /usr/sbin/sshd -T | grep -x "passwordauthentication no"')).code).toBe(0);

      const again = await timed('second rollout', () => call('fleet.rollout'));
      expect(again.hosts.map((h) => [h.name, h.status, h.changed])).toEqual([['lab', 'unchanged', 0], ['lab2', 'unchanged', 0]]);
    } finally {
      unsubscribe();
    }
  });
});
