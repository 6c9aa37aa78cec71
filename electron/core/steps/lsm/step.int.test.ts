import { describe, expect, it } from 'vitest';
import { labExecOk } from '../../lab/testing';
import { useCleanLab } from '../../testing/lab-core';
import { CONFIG_CHECKS } from './kernel-config';
import { lsmStep } from './step';

const core = useCleanLab('lsm-step', { steps: [lsmStep] });

describe('lsm step on the real lab VM', () => {
  it('audits the real values: the LSM list, lockdown none, AppArmor without profiles, the cloud kernel config', async () => {
    // Independent readings over the system ssh client, to compare with what the step reports.
    const lsms = (await labExecOk(['cat', '/sys/kernel/security/lsm'])).trim();
    const lockdown = (await labExecOk(['cat', '/sys/kernel/security/lockdown'])).trim();
    const release = (await labExecOk(['uname', '-r'])).trim();
    expect(lsms).toBe('lockdown,capability,landlock,yama,apparmor,tomoyo,bpf');
    expect(lockdown).toBe('[none] integrity confidentiality');

    const t0 = Date.now();
    const audit = await core().services.engine.audit('lab');
    const ms = Date.now() - t0;
    const byId = Object.fromEntries(audit.checks.filter((c) => c.id.startsWith('lsm.')).map((c) => [c.id, c]));
    expect(byId['lsm.mac-active']).toMatchObject({ status: 'pass', evidence: `/sys/kernel/security/lsm: ${lsms}`, fixStep: 'lsm' });
    expect(byId['lsm.yama-active']).toMatchObject({ status: 'pass' });
    expect(byId['lsm.lockdown']).toMatchObject({ status: 'fail', evidence: `/sys/kernel/security/lockdown: ${lockdown}` });
    expect(byId['lsm.apparmor-profiles']).toMatchObject({ status: 'fail', evidence: '/sys/kernel/security/apparmor/profiles: 0 profiles loaded, 0 in enforce mode, 0 in complain mode' });
    expect(byId['lsm.selinux-enforcing']).toMatchObject({ status: 'skip' });
    expect(byId['lsm.cmdline']).toMatchObject({ status: 'pass' });
    expect(byId['lsm.cmdline']!.evidence).toMatch(/^\/proc\/cmdline: BOOT_IMAGE=\/vmlinuz root=\/dev\/vda1/);
    const config = audit.checks.filter((c) => c.id.startsWith('lsm.config.'));
    expect(config).toHaveLength(CONFIG_CHECKS.length);
    expect(config.every((c) => c.evidence.startsWith(`/boot/config-${release}: CONFIG_`))).toBe(true);
    expect(config.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['lsm.config.init-on-free', 'lsm.config.module-sig-force']);
    process.stderr.write(`[lsm] audit of ${audit.checks.length} checks in ${ms} ms: ${audit.checks.filter((c) => c.status === 'fail').map((c) => c.id).join(', ')} fail\n`);
  });

  it('plans nothing to change, with the status and what could be changed by hand, and applies as nothing-to-do', async () => {
    const engine = core().services.engine;
    const plan = await engine.plan('lab', 'lsm', {});
    expect(plan.nothingToDo).toBe(true);
    expect(plan.files).toEqual([]);
    expect(plan.commands).toEqual([]);
    expect(plan.summary).toMatch(/^LSMs: lockdown,capability,landlock,yama,apparmor,tomoyo,bpf; lockdown: none; AppArmor: active, 0 of 0 profiles enforcing; SELinux: not active; kernel config \(\/boot\/config-6\.1\.0-\d+-cloud-amd64\): 23 of 25/);
    expect(plan.warnings.some((w) => /does not make that change for you/.test(w.message))).toBe(true);
    const r = await engine.apply('lab', plan.id);
    expect(r).toMatchObject({ outcome: 'nothing-to-do', snapshot: null });
    await expect(engine.plan('lab', 'lsm', { lockdown: 'integrity' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
