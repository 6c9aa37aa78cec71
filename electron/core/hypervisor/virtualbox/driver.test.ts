import { describe, expect, it } from 'vitest';
import { HardenLabError } from '../../errors';
import type { DriverProgress } from '../types';
import { VirtualBoxDriver, findSnapshot } from './driver';
import { fixture } from './fixtures/load';
import { fakeClock, scriptedRunner, type ScriptStep } from './fixtures/script';

const EXE = '/usr/lib/virtualbox/VBoxManage';
const D = '5c3a9f0e-7b2d-4e61-9a8c-2f1d6b0e4a77';
const KALI = '0e9d1c2b-3a4f-4b5c-8d6e-7f8091a2b3c4';
const UBUNTU = 'a1b2c3d4-e5f6-4711-8a9b-0c1d2e3f4a5b';
const ALPINE = '3d2c1b0a-9f8e-4d7c-b6a5-948372615041';
const INACCESSIBLE = '9f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b';
const SNAP = {
  fresh: '7e0b6a1c-2f3d-4c5b-9a8e-1d2c3b4a5f60',
  beforeSsh: 'c4d5e6f7-0819-4a2b-8c3d-4e5f60718293',
  kernel: '8a9b0c1d-2e3f-4051-a6b7-c8d9e0f1a2b3',
  sysctl: '5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f',
  hi: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
  preStep: '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e',
};

const listVms: ScriptStep = { args: ['list', 'vms'], stdout: fixture('list-vms.txt') };
const info = (state: string, id = D): ScriptStep => ({
  args: ['showvminfo', id, '--machinereadable'],
  stdout: fixture(`showvminfo-${state}-nat.stdout`),
});
const snapshots = (file = 'snapshot-list-nested.stdout'): ScriptStep => ({ args: ['snapshot', D, 'list', '--machinereadable'], stdout: fixture(file) });
const startvm = (code = 0): ScriptStep => ({ args: ['startvm', D, '--type', 'headless'], code, stdout: fixture('startvm-ok.stdout') });

function setup(steps: ScriptStep[], extra: { gracefulTimeoutMs?: number } = {}) {
  const script = scriptedRunner(steps);
  const clock = fakeClock();
  const driver = new VirtualBoxDriver({ runner: script.runner, vboxManagePath: EXE, clock, pollIntervalMs: 1000, ...extra });
  const events: DriverProgress[] = [];
  return { driver, script, clock, events, onProgress: (p: DriverProgress) => events.push(p) };
}

async function failure(p: Promise<unknown>): Promise<HardenLabError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HardenLabError) return e;
    throw e;
  }
  throw new Error('expected the operation to fail');
}

describe('VBoxManage location', () => {
  it('reports DRIVER_MISSING with an install hint and runs nothing when VBoxManage is absent', async () => {
    const script = scriptedRunner([]);
    const driver = new VirtualBoxDriver({ runner: script.runner, locate: () => null, platform: 'linux' });
    const e = await failure(driver.listVms());
    expect(e.code).toBe('DRIVER_MISSING');
    expect(e.message).toBe("VirtualBox's VBoxManage program was not found.");
    expect(e.hint).toContain('/usr/lib/virtualbox');
    expect(script.calls).toEqual([]);
    const avail = await driver.availability();
    expect(avail.available).toBe(false);
    expect(avail.detail).toContain('Install VirtualBox');
  });

  it('uses the Windows install hint on Windows', async () => {
    const driver = new VirtualBoxDriver({ runner: scriptedRunner([]).runner, locate: () => null, platform: 'win32' });
    const e = await failure(driver.vmInfo('x'));
    expect(e.hint).toContain('VBOX_MSI_INSTALL_PATH');
    expect(e.hint).toContain('C:\\Program Files\\Oracle\\VirtualBox');
  });

  it('turns a spawn ENOENT from the real runner into DRIVER_MISSING', async () => {
    const driver = new VirtualBoxDriver({ vboxManagePath: '/nonexistent/hardenlab-test/VBoxManage', platform: 'linux' });
    const e = await failure(driver.listVms());
    expect(e.code).toBe('DRIVER_MISSING');
    expect(e.hint).toContain('add the folder holding VBoxManage to PATH');
  });

  it('reports the version when VBoxManage answers', async () => {
    const { driver, script } = setup([{ args: ['--version'], stdout: fixture('version.stdout') }]);
    expect(await driver.availability()).toEqual({ available: true, path: EXE, version: '7.1.4r165100' });
    expect(script.calls[0]!.cmd).toBe(EXE);
  });
});

describe('listVms and vmInfo', () => {
  it('lists every VM with state and SSH forward, without querying the inaccessible one', async () => {
    const { driver, script } = setup([
      listVms,
      info('running'),
      { args: ['showvminfo', KALI, '--machinereadable'], stdout: fixture('showvminfo-kali-two-nat.stdout') },
      { args: ['showvminfo', UBUNTU, '--machinereadable'], stdout: fixture('showvminfo-ubuntu-bridged.stdout') },
      { args: ['showvminfo', ALPINE, '--machinereadable'], stdout: fixture('showvminfo-alpine-nat-noforward.stdout') },
    ]);
    expect(await driver.listVms()).toEqual([
      { hypervisor: 'virtualbox', id: D, name: 'Debian 12 lab', state: 'running', accessible: true, sshForward: { host: '127.0.0.1', port: 2222 } },
      { hypervisor: 'virtualbox', id: KALI, name: 'Kali "rolling" {test}', state: 'stopped', accessible: true, sshForward: { host: '127.0.0.1', port: 3022 } },
      { hypervisor: 'virtualbox', id: UBUNTU, name: 'Ubuntu 22.04 server', state: 'running', accessible: true },
      { hypervisor: 'virtualbox', id: INACCESSIBLE, name: '<inaccessible>', state: 'unknown', accessible: false },
      { hypervisor: 'virtualbox', id: ALPINE, name: 'alpine-sandbox', state: 'running', accessible: true },
    ]);
    expect(script.pending()).toEqual([]);
  });

  it('skips a VM that disappears between list and showvminfo', async () => {
    const { driver } = setup([
      { args: ['list', 'vms'], stdout: '"gone" {77777777-7777-4777-8777-777777777777}\n"Debian 12 lab" {5c3a9f0e-7b2d-4e61-9a8c-2f1d6b0e4a77}\n' },
      { args: ['showvminfo', '77777777-7777-4777-8777-777777777777', '--machinereadable'], code: 1, stderr: fixture('showvminfo-not-found.stderr') },
      info('poweroff'),
    ]);
    expect((await driver.listVms()).map((v) => v.name)).toEqual(['Debian 12 lab']);
  });

  it('finds a VM by a name with quotes and braces, and passes only its UUID on', async () => {
    const { driver, script } = setup([listVms, { args: ['showvminfo', KALI, '--machinereadable'], stdout: fixture('showvminfo-kali-two-nat.stdout') }]);
    const vm = await driver.vmInfo('Kali "rolling" {test}');
    expect(vm.id).toBe(KALI);
    expect(script.calls.map((c) => c.args)).toEqual([
      ['list', 'vms'],
      ['showvminfo', KALI, '--machinereadable'],
    ]);
  });

  it('finds a VM by braced upper-case UUID', async () => {
    const { driver } = setup([listVms, info('saved')]);
    const vm = await driver.vmInfo(`{${D.toUpperCase()}}`);
    expect(vm).toMatchObject({ name: 'Debian 12 lab', state: 'saved' });
  });

  it('says which VMs exist when the name is unknown, after one call', async () => {
    const { driver, script } = setup([listVms]);
    const e = await failure(driver.vmInfo('debian 12 lab'));
    expect(e.code).toBe('VM_NOT_FOUND');
    expect(e.message).toBe('VirtualBox has no VM "debian 12 lab".');
    expect(e.hint).toContain('"Debian 12 lab"');
    expect(e.hint).toContain('case-sensitive');
    expect(script.calls).toHaveLength(1);
  });

  it('does not treat a name beginning with a dash as an option', async () => {
    const { driver, script } = setup([listVms]);
    expect((await failure(driver.vmInfo('--help'))).code).toBe('VM_NOT_FOUND');
    expect(script.calls.map((c) => c.args)).toEqual([['list', 'vms']]);
  });

  it('reports an inaccessible VM without querying it, and refuses to act on it', async () => {
    const { driver, script } = setup([listVms, listVms]);
    expect(await driver.vmInfo(INACCESSIBLE)).toEqual({ hypervisor: 'virtualbox', id: INACCESSIBLE, name: '<inaccessible>', state: 'unknown', accessible: false });
    const e = await failure(driver.listSnapshots(INACCESSIBLE));
    expect(e.code).toBe('VM_WRONG_STATE');
    expect(e.message).toContain('inaccessible');
    expect(script.calls).toHaveLength(2);
  });

  it('refuses an ambiguous name and lists the UUIDs', async () => {
    const twice = '"lab" {11111111-1111-4111-8111-111111111111}\n"lab" {22222222-2222-4222-8222-222222222222}\n';
    const { driver } = setup([{ args: ['list', 'vms'], stdout: twice }]);
    const e = await failure(driver.vmInfo('lab'));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.hint).toContain('11111111-1111-4111-8111-111111111111, 22222222-2222-4222-8222-222222222222');
  });
});

describe('start', () => {
  it('starts headless and accepts exit 1 when VBoxManage said the VM started', async () => {
    const { driver, script, onProgress, events } = setup([listVms, info('poweroff'), startvm(1), info('running')]);
    await driver.start('Debian 12 lab', { onProgress });
    expect(script.calls.map((c) => c.args)).toEqual([
      ['list', 'vms'],
      ['showvminfo', D, '--machinereadable'],
      ['startvm', D, '--type', 'headless'],
      ['showvminfo', D, '--machinereadable'],
    ]);
    expect(events).toEqual([{ phase: 'start', message: 'Starting VM "Debian 12 lab" headless.' }]);
  });

  it('believes the success line even when an error line follows it (exit 1)', async () => {
    // Defensive: the success line is printed only once the VM process is up.
    const { driver, script } = setup([
      listVms,
      info('poweroff'),
      { ...startvm(1), stderr: 'VBoxManage: error: The object is not ready\nVBoxManage: error: Details: code E_ACCESSDENIED (0x80070005), component SessionWrap, interface ISession\n' },
      info('running'),
    ]);
    await driver.start(D);
    expect(script.pending()).toEqual([]);
  });

  it('lets the VM state decide when startvm exits 1 and prints nothing useful', async () => {
    const ok = setup([listVms, info('poweroff'), { args: ['startvm', D, '--type', 'headless'], code: 1 }, info('starting'), info('running')]);
    await ok.driver.start(D);
    expect(ok.clock.slept).toEqual([1000]);

    const bad = setup([listVms, info('poweroff'), { args: ['startvm', D, '--type', 'headless'], code: 1 }, info('poweroff')]);
    const e = await failure(bad.driver.start(D));
    expect(e.code).toBe('DRIVER_FAILED');
    expect(e.message).toBe('VM "Debian 12 lab" did not keep running after it was started (it is "poweroff").');
  });

  it('maps a locked VM to VM_WRONG_STATE', async () => {
    const { driver } = setup([listVms, info('poweroff'), { args: ['startvm', D, '--type', 'headless'], code: 1, stderr: fixture('startvm-locked.stderr') }]);
    const e = await failure(driver.start(D));
    expect(e.code).toBe('VM_WRONG_STATE');
    expect(e.message).toBe(
      'VirtualBox refused to start VM "Debian 12 lab": The machine \'Debian 12 lab\' is already locked by a session (or being locked or unlocked).',
    );
    expect(e.hint).toContain('Another VirtualBox program holds this VM');
  });

  it('explains a missing kernel driver', async () => {
    const { driver } = setup([
      listVms,
      info('poweroff'),
      { args: ['startvm', D, '--type', 'headless'], code: 1, stdout: fixture('startvm-kernel-driver.stdout'), stderr: fixture('startvm-kernel-driver.stderr') },
    ]);
    const e = await failure(driver.start(D));
    expect(e.code).toBe('DRIVER_FAILED');
    expect(e.hint).toContain('/sbin/vboxconfig');
  });

  it('does nothing to a running VM, resumes a paused one, resumes a saved state', async () => {
    const running = setup([listVms, info('running')]);
    await running.driver.start(D);
    expect(running.script.calls).toHaveLength(2);

    const paused = setup([listVms, info('paused'), { args: ['controlvm', D, 'resume'] }, info('running')]);
    await paused.driver.start(D);
    expect(paused.script.pending()).toEqual([]);

    const saved = setup([listVms, info('saved'), startvm(), info('running')]);
    await saved.driver.start(D, { onProgress: saved.onProgress });
    expect(saved.events[0]!.message).toBe('Starting VM "Debian 12 lab" headless (resuming its saved state).');
  });
});

describe('stop', () => {
  it('presses the ACPI button and waits for the guest to power off', async () => {
    const { driver, script, clock, events, onProgress } = setup([
      listVms,
      info('running'),
      { args: ['controlvm', D, 'acpipowerbutton'] },
      info('running'),
      info('stopping'),
      info('poweroff'),
    ]);
    await driver.stop('Debian 12 lab', { onProgress });
    expect(script.pending()).toEqual([]);
    expect(clock.slept).toEqual([1000, 1000]);
    expect(events.map((e) => e.phase)).toEqual(['shutdown', 'stopped']);
  });

  it('powers off when the guest ignores the button past the graceful timeout', async () => {
    const steps: ScriptStep[] = [listVms, info('running'), { args: ['controlvm', D, 'acpipowerbutton'] }];
    for (let i = 0; i <= 5; i++) steps.push(info('running'));
    steps.push({ args: ['controlvm', D, 'poweroff'] }, info('poweroff'));
    const { driver, script, events, onProgress } = setup(steps);
    await driver.stop(D, { gracefulTimeoutMs: 5000, onProgress });
    expect(script.pending()).toEqual([]);
    expect(events.map((e) => e.message)).toEqual([
      'Asking the guest in "Debian 12 lab" to shut down (ACPI power button).',
      'The guest did not shut down within 5 s; powering it off.',
      'Powering off VM "Debian 12 lab".',
      'VM "Debian 12 lab" is powered off.',
    ]);
  });

  it('powers off at once with gracefulTimeoutMs 0, and for a paused VM', async () => {
    const hard = setup([listVms, info('running'), { args: ['controlvm', D, 'poweroff'] }, info('poweroff')]);
    await hard.driver.stop(D, { gracefulTimeoutMs: 0 });
    expect(hard.script.pending()).toEqual([]);
    const paused = setup([listVms, info('paused'), { args: ['controlvm', D, 'poweroff'] }, info('poweroff')]);
    await paused.driver.stop(D);
    expect(paused.script.pending()).toEqual([]);
  });

  it('leaves a VM that is already off alone', async () => {
    const { driver, script } = setup([listVms, info('aborted')]);
    await driver.stop(D);
    expect(script.calls).toHaveLength(2);
  });

  it('times out with a message that says what it waited for', async () => {
    const steps: ScriptStep[] = [listVms, info('running'), { args: ['controlvm', D, 'poweroff'] }];
    for (let i = 0; i <= 60; i++) steps.push(info('stopping'));
    const { driver } = setup(steps);
    const e = await failure(driver.stop(D, { gracefulTimeoutMs: 0 }));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toBe('Timed out after 60 s waiting for VM "Debian 12 lab" to power off (it is still "stopping").');
  });

  it('accepts a failed poweroff when the VM stopped on its own meanwhile', async () => {
    const { driver } = setup([
      listVms,
      info('running'),
      { args: ['controlvm', D, 'poweroff'], code: 1, stderr: fixture('controlvm-not-running.stderr') },
      info('poweroff'),
    ]);
    await driver.stop(D, { gracefulTimeoutMs: 0 });
  });
});

describe('listSnapshots', () => {
  it('returns the tree with the current snapshot deep in it', async () => {
    const { driver } = setup([listVms, snapshots()]);
    const list = await driver.listSnapshots('Debian 12 lab');
    expect(list.currentId).toBe(SNAP.kernel);
    expect(list.snapshots).toHaveLength(6);
    expect(list.snapshots.find((s) => s.id === SNAP.hi)).toEqual({ id: SNAP.hi, name: 'say "hi" {braces}', description: 'Path: C:\\lab\\notes\\', parentId: SNAP.fresh });
  });

  it('returns an empty list for "does not have any snapshots" with exit 1', async () => {
    const { driver } = setup([listVms, { args: ['snapshot', D, 'list', '--machinereadable'], code: 1, stdout: fixture('snapshot-list-none.stdout') }]);
    expect(await driver.listSnapshots(D)).toEqual({ snapshots: [], currentId: null });
  });

  it('also when that sentence is translated', async () => {
    const { driver } = setup([listVms, { args: ['snapshot', D, 'list', '--machinereadable'], code: 1, stdout: 'Diese Maschine hat keine Sicherungspunkte\n' }]);
    expect(await driver.listSnapshots(D)).toEqual({ snapshots: [], currentId: null });
  });

  it('maps a real error of snapshot list', async () => {
    const { driver } = setup([listVms, { args: ['snapshot', D, 'list', '--machinereadable'], code: 1, stderr: fixture('snapshot-vm-uuid-not-found.stderr') }]);
    expect((await failure(driver.listSnapshots(D))).code).toBe('VM_NOT_FOUND');
  });
});

describe('takeSnapshot', () => {
  const percents = ['0%...', '10%...20%', '...30%...40%...50%...', '60%...70%...80%...90%...', '100%\n'];

  it('takes a live snapshot with a description, reports progress and returns the new snapshot', async () => {
    const { driver, script, events, onProgress } = setup([
      listVms,
      info('running'),
      {
        args: ['snapshot', D, 'take', 'pre-step ssh', '--description=before: PermitRootLogin no', '--live'],
        stdout: fixture('take-ok.stdout'),
        stderrChunks: percents,
      },
      { args: ['snapshot', D, 'list', '--machinereadable'], stdout: fixture('snapshot-list-after-take.crlf.stdout') },
    ]);
    const snap = await driver.takeSnapshot('Debian 12 lab', 'pre-step ssh', { description: 'before: PermitRootLogin no', live: true, onProgress });
    expect(snap).toEqual({ id: SNAP.preStep, name: 'pre-step ssh', description: 'before: PermitRootLogin no', parentId: SNAP.kernel, live: true });
    expect(script.pending()).toEqual([]);
    const msg = 'Taking snapshot "pre-step ssh" of VM "Debian 12 lab" while it keeps running.';
    expect(events).toEqual([
      { phase: 'snapshot', message: msg },
      ...[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((percent) => ({ phase: 'snapshot', message: msg, percent })),
      { phase: 'done', message: 'Snapshot "pre-step ssh" taken.' },
    ]);
  });

  it('omits --live for a powered-off VM and --description when there is none', async () => {
    const { driver, script } = setup([
      listVms,
      info('poweroff'),
      { args: ['snapshot', D, 'take', 'pre-step ssh'], stdout: fixture('take-ok.stdout'), stderr: fixture('take-ok.stderr') },
      { args: ['snapshot', D, 'list', '--machinereadable'], stdout: fixture('snapshot-list-after-take.crlf.stdout') },
    ]);
    const snap = await driver.takeSnapshot(D, 'pre-step ssh', { live: true });
    expect(snap.live).toBe(false);
    expect(script.pending()).toEqual([]);
  });

  it('finds the new snapshot as the current one when no UUID was printed', async () => {
    const { driver } = setup([
      listVms,
      info('poweroff'),
      { args: ['snapshot', D, 'take', 'pre-step ssh'], stdout: 'Schnappschuss erstellt.\n' },
      { args: ['snapshot', D, 'list', '--machinereadable'], stdout: fixture('snapshot-list-after-take.crlf.stdout') },
    ]);
    expect((await driver.takeSnapshot(D, 'pre-step ssh')).id).toBe(SNAP.preStep);
  });

  it('refuses bad names and descriptions before running anything', async () => {
    const { driver, script } = setup([]);
    for (const name of ['say "hi"', '-n', '', 'a'.repeat(81), 'x;rm -rf /']) {
      expect((await failure(driver.takeSnapshot(D, name))).code).toBe('BAD_INPUT');
    }
    expect((await failure(driver.takeSnapshot(D, 'ok', { description: 'a\0b' }))).code).toBe('BAD_INPUT');
    expect(script.calls).toEqual([]);
  });

  it("reports VirtualBox's own reason when the snapshot fails", async () => {
    const { driver } = setup([listVms, info('running'), { args: ['snapshot', D, 'take', 'pre-step ssh'], code: 1, stderr: fixture('take-disk-full.stderr') }]);
    const e = await failure(driver.takeSnapshot(D, 'pre-step ssh'));
    expect(e.code).toBe('DRIVER_FAILED');
    expect(e.message).toBe('VirtualBox could not take snapshot "pre-step ssh" of VM "Debian 12 lab": Failed to take snapshot (E_FAIL).');
    expect(e.detail).toContain('VERR_DISK_FULL');
  });
});

describe('restoreSnapshot', () => {
  const restoreSteps = (target: string): ScriptStep => ({
    args: ['snapshot', D, 'restore', target],
    stdout: fixture('restore-ok.stdout'),
    stderrChunks: ['0%...10%...20%...30%...', '40%...50%...60%...70%...80%...90%...', '100%\n'],
  });

  it('powers a running VM off, waits, restores by UUID, starts it, with progress in order', async () => {
    const { driver, script, events, onProgress } = setup([
      listVms,
      snapshots(),
      info('running'),
      { args: ['controlvm', D, 'poweroff'] },
      info('stopping'),
      info('poweroff'),
      restoreSteps(SNAP.beforeSsh),
      info('poweroff'),
      startvm(1),
      info('running'),
    ]);
    await driver.restoreSnapshot('Debian 12 lab', 'before ssh hardening', { onProgress });
    expect(script.calls.map((c) => c.args)).toEqual([
      ['list', 'vms'],
      ['snapshot', D, 'list', '--machinereadable'],
      ['showvminfo', D, '--machinereadable'],
      ['controlvm', D, 'poweroff'],
      ['showvminfo', D, '--machinereadable'],
      ['showvminfo', D, '--machinereadable'],
      ['snapshot', D, 'restore', SNAP.beforeSsh],
      ['showvminfo', D, '--machinereadable'],
      ['startvm', D, '--type', 'headless'],
      ['showvminfo', D, '--machinereadable'],
    ]);
    const restoring = 'Restoring snapshot "before ssh hardening" of VM "Debian 12 lab".';
    expect(events).toEqual([
      { phase: 'resolve', message: 'Looking up snapshot "before ssh hardening" of VM "Debian 12 lab".' },
      { phase: 'power-off', message: 'Powering off VM "Debian 12 lab".' },
      ...[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((percent) => ({ phase: 'restore', message: restoring, percent })),
      { phase: 'start', message: 'Starting VM "Debian 12 lab" headless.' },
      { phase: 'done', message: 'VM "Debian 12 lab" is back at snapshot "before ssh hardening".' },
    ]);
    expect(script.calls.every((c) => c.cmd === EXE)).toBe(true);
  });

  it('resumes the saved state a live snapshot restores into', async () => {
    const { driver, events, onProgress, script } = setup([
      listVms,
      snapshots(),
      info('poweroff'),
      restoreSteps(SNAP.kernel),
      info('saved'),
      startvm(),
      info('running'),
    ]);
    await driver.restoreSnapshot(D, SNAP.kernel.toUpperCase(), { onProgress });
    expect(script.pending()).toEqual([]);
    expect(events.find((e) => e.phase === 'start')!.message).toBe('Starting VM "Debian 12 lab" headless (resuming its saved state).');
    expect(events.some((e) => e.phase === 'power-off')).toBe(false);
  });

  it('fails with SNAPSHOT_NOT_FOUND before touching the VM', async () => {
    const { driver, script } = setup([listVms, snapshots()]);
    const e = await failure(driver.restoreSnapshot('Debian 12 lab', 'Before SSH hardening'));
    expect(e.code).toBe('SNAPSHOT_NOT_FOUND');
    expect(e.message).toBe('VM "Debian 12 lab" has no snapshot "Before SSH hardening". Nothing was changed.');
    expect(e.hint).toContain('"before ssh hardening"');
    expect(script.calls.map((c) => c.args[0])).toEqual(['list', 'snapshot']);
  });

  it('fails with SNAPSHOT_NOT_FOUND on a VM without snapshots', async () => {
    const { driver, script } = setup([listVms, { args: ['snapshot', D, 'list', '--machinereadable'], code: 1, stdout: fixture('snapshot-list-none.stdout') }]);
    const e = await failure(driver.restoreSnapshot(D, 'anything'));
    expect(e.code).toBe('SNAPSHOT_NOT_FOUND');
    expect(e.hint).toBe('It has no snapshot at all yet.');
    expect(script.calls).toHaveLength(2);
  });

  it('leaves the VM off with start: false', async () => {
    const { driver, script } = setup([listVms, snapshots(), info('poweroff'), restoreSteps(SNAP.sysctl)]);
    await driver.restoreSnapshot(D, 'sysctl try', { start: false });
    expect(script.pending()).toEqual([]);
  });

  it('gives VM_WRONG_STATE when VirtualBox refuses because something started the VM again', async () => {
    const { driver, script } = setup([
      listVms,
      snapshots(),
      info('poweroff'),
      { args: ['snapshot', D, 'restore', SNAP.beforeSsh], code: 1, stdout: fixture('restore-running-refused.stdout'), stderr: fixture('restore-running-refused.stderr') },
    ]);
    const e = await failure(driver.restoreSnapshot(D, 'before ssh hardening'));
    expect(e.code).toBe('VM_WRONG_STATE');
    expect(e.message).toBe(
      'VirtualBox refused to restore snapshot "before ssh hardening" of VM "Debian 12 lab": Cannot delete the current state of the running machine (machine state: Running).',
    );
    expect(e.hint).toContain('another program probably started it again');
    expect(script.pending()).toEqual([]);
  });

  it('waits out a VM that is already stopping instead of powering it off', async () => {
    const { driver, script } = setup([listVms, snapshots(), info('stopping'), info('stopping'), info('poweroff'), restoreSteps(SNAP.fresh)]);
    await driver.restoreSnapshot(D, 'Fresh install', { start: false });
    expect(script.calls.some((c) => c.args.includes('poweroff'))).toBe(false);
    expect(script.pending()).toEqual([]);
  });

  it('powers off a paused VM before restoring', async () => {
    const { driver, script } = setup([listVms, snapshots(), info('paused'), { args: ['controlvm', D, 'poweroff'] }, info('poweroff'), restoreSteps(SNAP.fresh)]);
    await driver.restoreSnapshot(D, 'Fresh install', { start: false });
    expect(script.pending()).toEqual([]);
  });

  it('refuses an ambiguous snapshot name', () => {
    const list = {
      snapshots: [
        { id: SNAP.fresh, name: 'x', description: '', parentId: null },
        { id: SNAP.kernel, name: 'x', description: '', parentId: SNAP.fresh },
      ],
      currentId: null,
    };
    const e = (() => {
      try {
        findSnapshot(list, 'x', 'lab');
      } catch (err) {
        return err as HardenLabError;
      }
      throw new Error('expected an error');
    })();
    expect(e.code).toBe('BAD_INPUT');
    expect(e.hint).toContain(SNAP.kernel);
  });

  it('stops at a cancel during the restore and does not start the VM', async () => {
    const ctl = new AbortController();
    const { driver, script } = setup([
      listVms,
      snapshots(),
      info('poweroff'),
      { ...restoreSteps(SNAP.fresh), onCall: () => ctl.abort() },
    ]);
    const e = await failure(driver.restoreSnapshot(D, 'Fresh install', { signal: ctl.signal }));
    expect(e.code).toBe('CANCELLED');
    expect(script.calls.some((c) => c.args[0] === 'startvm')).toBe(false);
  });

  it('passes the signal and a long timeout to VBoxManage snapshot restore', async () => {
    const ctl = new AbortController();
    let seen: AbortSignal | undefined;
    const { driver, script } = setup([listVms, snapshots(), info('poweroff'), { ...restoreSteps(SNAP.fresh), onCall: (o) => (seen = o?.signal) }]);
    await driver.restoreSnapshot(D, 'Fresh install', { start: false, signal: ctl.signal });
    expect(seen).toBe(ctl.signal);
    expect(script.calls.find((c) => c.args[1] === D && c.args[2] === 'restore')!.timeoutMs).toBe(60 * 60_000);
  });
});

describe('deleteSnapshot', () => {
  it('deletes by UUID after looking the name up', async () => {
    const { driver, script } = setup([
      listVms,
      snapshots(),
      { args: ['snapshot', D, 'delete', SNAP.sysctl], stdout: fixture('delete-ok.stdout'), stderr: fixture('delete-ok.stderr') },
    ]);
    await driver.deleteSnapshot('Debian 12 lab', 'sysctl try');
    expect(script.pending()).toEqual([]);
  });

  it('deletes a snapshot whose name has quotes and braces', async () => {
    const { driver, script } = setup([listVms, snapshots(), { args: ['snapshot', D, 'delete', SNAP.hi] }]);
    await driver.deleteSnapshot(D, 'say "hi" {braces}');
    expect(script.pending()).toEqual([]);
  });

  it('maps a snapshot deleted meanwhile to SNAPSHOT_NOT_FOUND', async () => {
    const { driver } = setup([listVms, snapshots(), { args: ['snapshot', D, 'delete', SNAP.sysctl], code: 1, stderr: fixture('snapshot-not-found.stderr') }]);
    const e = await failure(driver.deleteSnapshot(D, 'sysctl try'));
    expect(e.code).toBe('SNAPSHOT_NOT_FOUND');
    expect(e.message).toBe('VM "Debian 12 lab" has no snapshot "sysctl try".');
  });

  it('refuses a missing snapshot without deleting anything', async () => {
    const { driver, script } = setup([listVms, snapshots()]);
    expect((await failure(driver.deleteSnapshot(D, 'nope'))).code).toBe('SNAPSHOT_NOT_FOUND');
    expect(script.calls).toHaveLength(2);
  });
});
