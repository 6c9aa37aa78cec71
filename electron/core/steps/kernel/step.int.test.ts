import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { targetFromConnection } from '../../engine/ssh-connections';
import { labExec, labExecOk } from '../../lab/testing';
import { useCleanLab } from '../../testing/lab-core';
import { SECURITY_LIST_PATH } from './apt-sources';
import { kernelStep } from './step';
import { makeUnbootableKernelStep } from './unbootable';
import { uploadDirFor, uploadFiles } from './upload';

/**
 * The slowest file of the suite: a real kernel upgrade under TCG (the
 * install takes about five minutes, most of it the initramfs), a reboot into
 * it, and a reboot into a kernel that does not boot, which the engine must
 * undo. The unbootable case runs after the upgrade, on the upgraded VM, so
 * the file installs a kernel only once.
 */
const REBOOT_DEADLINE_MS = 75_000;
const core = useCleanLab('kernel-step', { steps: [kernelStep, makeUnbootableKernelStep({ rebootDeadlineMs: REBOOT_DEADLINE_MS })] });

// Read from the VM, not written down: Debian's point releases move both the
// kernel in bookworm main (what the image boots) and the one in bookworm-security.
const RELEASE = /^6\.1\.0-(\d+)-cloud-amd64$/;
let OLD = '';
let NEW = '';
/** A kernel that no mirror has: the offline test only needs its name to look right. */
const FAKE = '6.1.0-99-cloud-amd64';
const timings: Array<[string, number]> = [];
const fileStarted = Date.now();
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings.push([label, Date.now() - t0]);
  }
}
const localDir = mkdtempSync(join(tmpdir(), 'hl-kernel-int-'));
afterAll(() => {
  rmSync(localDir, { recursive: true, force: true });
  process.stderr.write(`[kernel] timings: ${timings.map(([l, ms]) => `${l} ${(ms / 1000).toFixed(1)} s`).join('; ')}; file ${((Date.now() - fileStarted) / 1000).toFixed(0)} s\n`);
});

describe('kernel step on the real lab VM', () => {
  it('sees the running kernel, warns that the sources lack the security suite, and audits honestly', async () => {
    const engine = core().services.engine;
    OLD = (await labExecOk(['uname', '-r'])).trim();
    expect(OLD).toMatch(RELEASE);
    // Without a refresh the plan reads the VM's own index, which the fresh image does not have.
    const plan = await timed('plan without refresh', () => engine.plan('lab', 'kernel', { refreshIndex: false }));
    expect(plan.nothingToDo).toBe(true);
    expect(plan.summary).toMatch(new RegExp(`^Running ${OLD}, the newest kernel known: the VM's package index does not say`));
    expect(plan.warnings.map((w) => w.message).join('\n')).toMatch(/no security suite \(bookworm-security\)/);
    // With the default refresh the plan also looks (read-only) at the suite the sources lack, and says what it offers.
    const looked = await timed('plan with refresh (main, then a look at bookworm-security)', () => engine.plan('lab', 'kernel', {}));
    expect(looked.nothingToDo, looked.summary).toBe(true);
    expect(looked.warnings.map((w) => w.message).join('\n')).toMatch(/^bookworm-security, which the APT sources do not name, offers kernel 6\.1\.0-\d+-cloud-amd64 .*--set addSecuritySource=true/m);
    expect((await labExec(['test', '-e', SECURITY_LIST_PATH])).code).toBe(1);
    const audit = await engine.audit('lab');
    const byId = Object.fromEntries(audit.checks.filter((c) => c.id.startsWith('kernel.')).map((c) => [c.id, c]));
    expect(byId['kernel.latest']).toMatchObject({ status: 'skip', fixStep: 'kernel' });
    expect(byId['kernel.latest']!.evidence).toContain(`uname -r: ${OLD}`);
    expect(byId['kernel.reboot-pending']).toMatchObject({ status: 'pass' });
    expect(byId['kernel.security-source']).toMatchObject({ status: 'fail' });
  });

  it('offline: refuses files that are not a kernel of this flavor, and uploads bytes intact over the real connection', async () => {
    const c = core();
    const junk = join(localDir, 'libfoo_1.0-1_amd64.deb');
    writeFileSync(junk, Buffer.concat([Buffer.from('!<arch>\n'), randomBytes(100)]));
    await expect(c.services.engine.plan('lab', 'kernel', { packageFiles: [junk] })).rejects.toMatchObject({ code: 'BAD_INPUT', message: /None of the files is a kernel image of the running flavor \(cloud-amd64\)/ });
    await expect(c.services.engine.plan('lab', 'kernel', { packageFiles: [junk], addSecuritySource: true })).rejects.toMatchObject({ code: 'BAD_INPUT', message: /choose one/ });
    await expect(c.services.engine.plan('lab', 'kernel', { packageFiles: 'x' })).rejects.toMatchObject({ code: 'BAD_INPUT' });

    // A plan from package files names the upload directory and the install, and changes nothing yet.
    const fake = join(localDir, `linux-image-${FAKE}_6.1.192-2_amd64.deb`);
    writeFileSync(fake, Buffer.concat([Buffer.from('!<arch>\n'), randomBytes(1000)]));
    const plan = await c.services.engine.plan('lab', 'kernel', { packageFiles: [fake] });
    expect(plan.rebootRequired).toBe(true);
    const install = plan.commands.find((x) => x.argv.includes('install'))!;
    expect(install.argv.at(-3)).toMatch(new RegExp(`^/var/tmp/hardenlab-kernel-[0-9a-f]{12}/linux-image-${FAKE}_6\\.1\\.192-2_amd64\\.deb$`));
    expect((await labExec('ls -d /var/tmp/hardenlab-kernel-* 2>/dev/null')).stdout).toBe('');

    // The upload itself, over the step's own connection, with sudo as in the apply.
    const big = join(localDir, 'payload_1_amd64.deb');
    const bytes = randomBytes(5 * 1024 * 1024 + 123);
    writeFileSync(big, bytes);
    const profile = await c.services.profiles.get('lab');
    const target = targetFromConnection(await c.services.connections.get(profile));
    const dir = uploadDirFor(randomBytes(6).toString('hex'));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const logs: string[] = [];
    await timed('upload 5 MiB', () => uploadFiles(target, dir, [{ localPath: big, name: 'payload_1_amd64.deb', size: bytes.length, sha256: sha }], { elevate: true, log: (m) => logs.push(m) }));
    process.stderr.write(`[kernel] ${logs.join(' ')}\n`);
    expect((await labExecOk(['sudo', '-n', 'sha256sum', `${dir}/payload_1_amd64.deb`])).split(' ')[0]).toBe(sha);
    expect((await labExecOk(['sudo', '-n', 'stat', '-c', '%a %U', dir])).trim()).toBe('700 root');
    await labExecOk(['sudo', '-n', 'rm', '-rf', '--', dir]);
  });

  it('plans 6.1.0-56 from bookworm-security without touching the VM, upgrades, reboots into it, and re-plans to nothing', async () => {
    const engine = core().services.engine;
    const plan = await timed('plan with the security suite (private index refresh)', () => engine.plan('lab', 'kernel', { addSecuritySource: true }));
    expect(plan.nothingToDo).toBe(false);
    expect(plan.rebootRequired).toBe(true);
    const offered = new RegExp(`^Running ${OLD}; a freshly refreshed copy of the index offers linux-image-cloud-amd64 \\S+ \\(kernel (\\S+)\\)`).exec(plan.summary);
    expect(offered, plan.summary).not.toBeNull();
    NEW = offered![1]!;
    expect(NEW).toMatch(RELEASE);
    expect(Number(RELEASE.exec(NEW)![1])).toBeGreaterThan(Number(RELEASE.exec(OLD)![1]));
    expect(plan.files.map((f) => f.path)).toEqual([SECURITY_LIST_PATH]);
    expect(plan.files[0]!.diff).toContain('+deb http://deb.debian.org/debian-security bookworm-security main');
    expect(plan.packages.install.some((p) => p.startsWith(`linux-image-${NEW} `))).toBe(true);
    expect(plan.commands.map((x) => x.argv.slice(3, 5).join(' '))).toEqual(['apt-get update', 'apt-get install']);
    expect(plan.warnings.map((w) => w.kind).sort()).toEqual(['needs-network', 'reboot-required']);
    // The plan looked at a private copy: the VM's sources, index and /var/tmp are as they were.
    expect((await labExec(['test', '-e', SECURITY_LIST_PATH])).code).toBe(1);
    expect((await labExecOk('ls /var/lib/apt/lists')).trim()).toBe('partial');
    expect((await labExec('ls -d /var/tmp/hardenlab-apt.* 2>/dev/null')).stdout).toBe('');

    const r = await timed('apply (refresh, install, boot check, reboot, verify)', () => engine.apply('lab', plan.id));
    const lines = r.checks.map((x) => `${x.ok ? 'ok' : 'FAIL'} ${x.name}: ${x.evidence}`).join('\n');
    expect(r.error, lines).toBeUndefined();
    expect(r.outcome).toBe('verified');
    expect(r.phases.map((p) => `${p.phase}:${p.ok}`)).toEqual(['probe:true', 'canaries:true', 'snapshot:true', 'apply:true', 'reboot:true', 'verify:true']);
    for (const p of r.phases) timings.push([`  phase ${p.phase}`, p.durationMs]);
    expect(r.checks.find((x) => x.name === `The VM runs kernel ${NEW}`)?.ok, lines).toBe(true);
    expect((await labExecOk(['uname', '-r'])).trim()).toBe(NEW);
    expect((await labExecOk(['readlink', '/vmlinuz'])).trim()).toBe(`boot/vmlinuz-${NEW}`);
    const exp = (await core().services.journal.read('lab')).experiments.find((e) => e.id === r.experimentId)!;
    expect(exp.status).toBe('verified');
    expect(exp.log.map((l) => l.message).join('\n')).toMatch(new RegExp(`OK: /vmlinuz and /initrd.img point at the new kernel \\(/vmlinuz -> boot/vmlinuz-${NEW}`));

    const again = await timed('re-plan after the upgrade', () => engine.plan('lab', 'kernel', { addSecuritySource: true }));
    expect(again.nothingToDo, again.summary).toBe(true);
    expect(again.summary).toMatch(new RegExp(`^Running ${NEW}, the newest kernel known`));
    const audit = await engine.audit('lab');
    const statuses = Object.fromEntries(audit.checks.filter((c) => c.id.startsWith('kernel.')).map((c) => [c.id, c.status]));
    expect(statuses).toEqual({ 'kernel.latest': 'pass', 'kernel.reboot-pending': 'pass', 'kernel.security-source': 'pass' });
  }, 40 * 60_000);

  it('reverts a kernel that does not boot: the reboot times out, the snapshot comes back, the journal says TIMEOUT', async () => {
    const engine = core().services.engine;
    const before = (await labExecOk(['uname', '-r'])).trim();
    const plan = await engine.plan('lab', 'kernel-unbootable', { refreshIndex: false });
    const r = await timed('unbootable kernel: apply, time out, revert', () => engine.apply('lab', plan.id));
    expect(r.outcome).toBe('reverted');
    expect(r.error?.code).toBe('TIMEOUT');
    // The engine's reboot loop or the SSH wait inside it (given what is left of the deadline) says so.
    expect(r.error?.message).toMatch(/(did not come back from its reboot|did not accept SSH) within \d+ s/);
    expect(r.phases.find((p) => p.phase === 'apply')).toMatchObject({ ok: false });
    expect(r.phases.find((p) => p.phase === 'revert')).toMatchObject({ ok: true });
    expect(r.checks.find((c) => /restored VM accepts a fresh login/.test(c.name))?.ok).toBe(true);
    // Back as before, on the kernel it ran, with its boot loader intact.
    expect((await labExecOk(['uname', '-r'])).trim()).toBe(before);
    expect((await labExecOk(['readlink', '/vmlinuz'])).trim()).toBe(`boot/vmlinuz-${before}`);
    expect((await labExec(['test', '-e', '/boot/hardenlab-not-a-kernel'])).code).toBe(1);
    const exp = (await core().services.journal.read('lab')).experiments.find((e) => e.id === r.experimentId)!;
    expect(exp.status).toBe('reverted');
    expect(exp.result?.error?.code).toBe('TIMEOUT');
    expect(exp.log.map((l) => l.message).join('\n')).toMatch(/Pointed the boot loader at \/boot\/hardenlab-not-a-kernel/);
  }, 20 * 60_000);
});
