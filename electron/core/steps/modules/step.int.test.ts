import { describe, expect, it } from 'vitest';
import { labExec, labExecOk } from '../../lab/testing';
import { useCleanLab } from '../../testing/lab-core';
import { loadedModules, modulesStep } from './step';

const core = useCleanLab('modules-step', { steps: [modulesStep] });
const FILE = '/etc/modprobe.d/hardenlab-blacklist.conf';

async function snapshotIds(): Promise<string[]> {
  const driver = await core().services.drivers.getDriver('qemu');
  return (await driver.listSnapshots('lab')).snapshots.map((s) => s.id).sort();
}

describe('modules step on the real lab VM', () => {
  it('refuses bad module names with BAD_INPUT, changes nothing and takes no snapshot', async () => {
    const engine = core().services.engine;
    const before = await snapshotIds();
    const experiments = (await core().services.journal.read('lab')).experiments.length;
    const cases: Array<[string[], RegExp]> = [
      [['x; rm -rf /'], /"x; rm -rf \/" is not a valid module name/],
      [['$(reboot)'], /"\$\(reboot\)" is not a valid module name/],
      [['nosuchmod', 'sctp'], /^Unknown module for the kernel 6\.1\.0-\d+-cloud-amd64: nosuchmod\.$/],
      // virtio_net has a use count of 0, but it drives eth0: unloading it would cut this very connection.
      [['overlay', 'virtio_net'], /overlay is needed by containers .*; virtio_net is loaded and in use \(drives virtio\d\)/],
    ];
    for (const [modules, message] of cases) {
      const err = await engine.plan('lab', 'modules', { modules }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, modules[0]).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(message) });
    }
    expect(await snapshotIds()).toEqual(before);
    expect((await labExec(['test', '-e', FILE])).code).toBe(1);
    expect((await core().services.journal.read('lab')).experiments).toHaveLength(experiments);
  });

  it('lists the loaded modules with their users, devices and descriptions', async () => {
    const profile = await core().services.profiles.get('lab');
    const target = await core().services.engineConnections.target(profile);
    const mods = await loadedModules(target);
    expect(mods.find((m) => m.name === 'virtio_net')).toMatchObject({ description: 'Virtio network driver', devices: [expect.stringMatching(/^virtio\d$/)] });
    expect(mods.find((m) => m.name === 'kvm')?.usedBy).toContain('kvm_amd');
    expect(mods.every((m) => m.size > 0)).toBe(true);
  });

  it('blocks the recommended set, unloads what was loaded, proves it, and re-plans to nothing', async () => {
    const engine = core().services.engine;
    // Load two of them first, so unloading is real.
    await labExecOk(['sudo', 'modprobe', 'squashfs']);
    await labExecOk(['sudo', 'modprobe', 'dccp']);
    const cramfsBefore = await labExec(['sudo', 'modprobe', 'cramfs']);
    expect(cramfsBefore.stderr).toMatch(/Module cramfs not found/);

    const plan = await engine.plan('lab', 'modules', {});
    expect(plan.nothingToDo).toBe(false);
    expect(plan.files.map((f) => f.path)).toEqual([FILE]);
    expect(plan.files[0]!.diff).toMatch(/\+install squashfs \/bin\/false/);
    expect(plan.commands.map((c) => c.argv.join(' '))).toEqual(['update-initramfs -u -k all', 'modprobe -r squashfs', 'modprobe -r dccp']);

    const t0 = Date.now();
    const r = await engine.apply('lab', plan.id);
    const lines = r.checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.evidence}`).join('\n');
    expect(r.error, lines).toBeUndefined();
    expect(r.outcome).toBe('verified');
    expect(r.checks.every((c) => c.ok), lines).toBe(true);
    expect(r.checks.find((c) => c.name === 'squashfs cannot be loaded')?.evidence).toBe('modprobe -n -v squashfs: install /bin/false');
    expect(r.checks.find((c) => c.name === 'dccp is no longer loaded')?.ok).toBe(true);
    expect(r.checks.find((c) => c.name.startsWith('The initramfs'))?.evidence).toMatch(/newer than the file: \/boot\/initrd\.img-6\.1\.0/);
    console.log(`modules apply (with update-initramfs) took ${Math.round((Date.now() - t0) / 1000)} s`);

    // For real, outside the app: modprobe refuses, lsmod agrees.
    for (const m of ['squashfs', 'dccp', 'udf']) {
      const load = await labExec(['sudo', 'modprobe', m]);
      expect(load.code, m).not.toBe(0);
      expect(load.stderr, m).toMatch(new RegExp(`Error running install command '/bin/false' for module ${m}`));
    }
    // cramfs is not in the cloud kernel: before, modprobe did not find it; now the rule answers first.
    expect((await labExec(['sudo', 'modprobe', 'cramfs'])).stderr).toMatch(/Error running install command '\/bin\/false' for module cramfs/);
    const lsmod = await labExecOk(['lsmod']);
    expect(lsmod).not.toMatch(/^(squashfs|dccp|udf|cramfs)\s/m);

    const again = await engine.plan('lab', 'modules', {});
    expect(again.nothingToDo).toBe(true);
    const audit = await engine.audit('lab');
    const mine = audit.checks.filter((c) => c.id.startsWith('modules.'));
    expect(mine.filter((c) => c.status === 'fail')).toEqual([]);
    expect(mine.find((c) => c.id === 'modules.blacklisted.sctp')).toMatchObject({ status: 'pass', evidence: 'modprobe -D sctp: install /bin/false' });
  });

  it('disables module loading until reboot only after confirmation, and proves it', async () => {
    const engine = core().services.engine;
    const plan = await engine.plan('lab', 'modules', { disableLoading: true });
    expect(plan.commands.map((c) => c.argv.join(' '))).toEqual(['sysctl -w kernel.modules_disabled=1']);
    expect(plan.warnings.map((w) => w.kind)).toContain('irreversible-until-reboot');
    await expect(engine.apply('lab', plan.id)).rejects.toMatchObject({ code: 'CONFIRMATION_REQUIRED' });
    const r = await engine.apply('lab', plan.id, { confirmWarnings: true });
    expect(r.outcome, JSON.stringify(r.error)).toBe('verified');
    expect(r.checks.find((c) => c.name === 'kernel.modules_disabled is 1')?.ok).toBe(true);
    // Even root cannot load a module now (vfat is neither blocked nor loaded).
    const vfat = await labExec(['sudo', 'modprobe', 'vfat']);
    expect(vfat.code).not.toBe(0);
    expect(vfat.stderr).toMatch(/Operation not permitted/);
    expect((await engine.plan('lab', 'modules', { disableLoading: true })).nothingToDo).toBe(true);
  });
});
