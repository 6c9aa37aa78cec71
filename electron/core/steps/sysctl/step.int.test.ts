import { afterAll, describe, expect, it } from 'vitest';
import { labExec, labExecOk } from '../../lab/testing';
import { useCleanLab } from '../../testing/lab-core';
import { sysctlStep } from './step';

const core = useCleanLab('sysctl-step', { steps: [sysctlStep] });
const FILE = '/etc/sysctl.d/99-zz-hardenlab.conf';

async function snapshotIds(): Promise<string[]> {
  const driver = await core().services.drivers.getDriver('qemu');
  return (await driver.listSnapshots('lab')).snapshots.map((s) => s.id).sort();
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (e: unknown) => e,
  );
}

describe('sysctl step on the real lab VM', () => {
  afterAll(async () => {
    await core().services.profiles.delete('labpw');
  });

  it('refuses unknown keys and injected values with BAD_INPUT, changes nothing and takes no snapshot', async () => {
    const engine = core().services.engine;
    const before = await snapshotIds();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ keys: ['kernel.nosuch_key'] }, /kernel\.nosuch_key is not a setting of this step/],
      [{ extra: { 'kernel.nosuch_key': '1' } }, /kernel\.nosuch_key does not exist on the kernel 6\.1\.0-\d+-cloud-amd64/],
      [{ keys: ['kernel.sysrq; reboot'] }, /"kernel\.sysrq; reboot" is not a valid sysctlKey name/],
      [{ extra: { 'kernel.sysrq': '0\nkernel.modules_disabled = 1' } }, /is not a valid value for kernel\.sysrq/],
    ];
    for (const [options, message] of cases) {
      expect(await failure(engine.plan('lab', 'sysctl', options)), JSON.stringify(options)).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(message) });
    }
    expect(await snapshotIds()).toEqual(before);
    expect((await labExec(['test', '-e', FILE])).code).toBe(1);
    expect((await labExecOk(['cat', '/proc/sys/kernel/modules_disabled'])).trim()).toBe('0');
  });

  it('refuses clearly, before any snapshot, when the profile cannot become root', async () => {
    const { profiles, engine, journal } = core().services;
    // labpw may use sudo only with its password, and the profile has none stored.
    await labExecOk('sudo install -d -m 700 -o labpw -g labpw /home/labpw/.ssh && sudo install -m 600 -o labpw -g labpw /home/lab/.ssh/authorized_keys /home/labpw/.ssh/authorized_keys');
    const lab = await profiles.get('lab');
    await profiles.save({ ...lab, name: 'labpw', user: 'labpw', elevation: 'auto', origin: 'manual' });
    const before = await snapshotIds();
    // The SSH layer: sudo would need the password (SECRET_REQUIRED, detail "password"), asked for before any command runs.
    expect(await failure(engine.plan('labpw', 'sysctl', {}))).toMatchObject({ code: 'SECRET_REQUIRED', message: 'sudo needs the password of the user to run this step.', detail: 'password' });
    // Told never to elevate, the same user gets NO_ELEVATION with what to do.
    await profiles.save({ ...lab, name: 'labpw', user: 'labpw', elevation: 'none', origin: 'manual' });
    core().services.connections.forget('labpw');
    expect(await failure(engine.plan('labpw', 'sysctl', {}))).toMatchObject({
      code: 'NO_ELEVATION',
      message: expect.stringMatching(/^This step needs root on labpw@127\.0\.0\.1:\d+, but the profile is set to never elevate\.$/),
      hint: 'Set the profile elevation to auto, sudo or doas.',
    });
    expect(await snapshotIds()).toEqual(before);
    expect((await journal.read('labpw')).experiments).toEqual([]);
    expect((await labExec(['test', '-e', FILE])).code).toBe(1);
  });

  it('shows root the kernel addresses before (kptr_restrict = 0)', async () => {
    expect((await labExecOk(['sudo', 'awk', '$3 == "_text" {print $1}', '/proc/kallsyms'])).trim()).toMatch(/[1-9a-f]/);
  });

  it('applies, proves every value with sysctl -n, survives the boot-time ordering, and re-plans to nothing', async () => {
    const engine = core().services.engine;
    const plan = await engine.plan('lab', 'sysctl', {});
    expect(plan.nothingToDo).toBe(false);
    expect(plan.files.map((f) => f.path)).toEqual([FILE]);
    expect(plan.files[0]!.diff).toMatch(/\+kernel\.kptr_restrict = 2/);
    expect(plan.commands.map((c) => c.argv.join(' '))).toEqual([`sysctl -p ${FILE}`]);
    await expect(engine.apply('lab', plan.id)).rejects.toMatchObject({ code: 'CONFIRMATION_REQUIRED' });

    const t0 = Date.now();
    const r = await engine.apply('lab', plan.id, { confirmWarnings: true });
    const lines = r.checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.evidence}`).join('\n');
    expect(r.error, lines).toBeUndefined();
    expect(r.outcome).toBe('verified');
    expect(r.checks.every((c) => c.ok), lines).toBe(true);
    expect(r.checks.find((c) => c.name === 'net.ipv4.conf.eth0.accept_redirects = 0')?.evidence).toBe('sysctl -n net.ipv4.conf.eth0.accept_redirects: 0');
    console.log(`sysctl apply took ${Math.round((Date.now() - t0) / 1000)} s, ${r.checks.length} checks`);

    // Outside the app: the kernel says so, and even root now sees no kernel addresses.
    const live = await labExecOk('sudo sysctl -n kernel.kptr_restrict kernel.yama.ptrace_scope fs.protected_fifos kernel.kexec_load_disabled');
    expect(live.trim().split('\n')).toEqual(['2', '2', '2', '1']);
    expect((await labExecOk(['sudo', 'awk', '$3 == "_text" {print $1}', '/proc/kallsyms'])).trim()).toMatch(/^0+$/);

    // What boot does: systemd-sysctl applies every sysctl.d file in its order. Ours is read last,
    // so Debian's 99-protect-links.conf (fs.protected_fifos = 1) cannot undo it.
    const order = await labExecOk(['systemd-analyze', 'cat-config', 'sysctl.d']);
    expect(order.split('\n').filter((l) => /^# \/\S+\.conf$/.test(l)).at(-1)).toBe(`# ${FILE}`);
    await labExecOk(['sudo', '/lib/systemd/systemd-sysctl']);
    expect((await labExecOk(['sudo', 'sysctl', '-n', 'fs.protected_fifos'])).trim()).toBe('2');

    const again = await engine.plan('lab', 'sysctl', {});
    expect(again.nothingToDo, again.summary).toBe(true);
    const audit = await engine.audit('lab');
    const mine = audit.checks.filter((c) => c.id.startsWith('sysctl.'));
    expect(mine.length).toBeGreaterThan(30);
    expect(mine.filter((c) => c.status !== 'pass')).toEqual([]);
  });
});
