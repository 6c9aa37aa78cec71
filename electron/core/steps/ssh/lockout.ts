import type { StepDefinition } from '../../engine/step';
import { desiredSettings, sshStep, type SshFacts, type SshOptions } from './step';
import { planSshdEdit } from './sshd-config';

/**
 * A deliberately broken change, for the tests and the benchmark that prove
 * the way back: the ssh step's edit plus "AllowUsers nobody", which `sshd -t`
 * accepts and which shuts every user out. The engine must notice (the fresh
 * login fails), restore the snapshot and prove the VM is back. Never
 * registered as a step of the app.
 */
export const lockoutStep: StepDefinition<SshFacts, SshOptions, { desired: ReturnType<typeof desiredSettings> }> = {
  ...sshStep,
  id: 'ssh-lockout',
  title: 'Lock everyone out (test change)',
  async preflight() {
    /* the point is to lock out */
  },
  plan(facts, options, ctx) {
    const desired = [...desiredSettings(options), { keyword: 'AllowUsers', value: 'nobody' }];
    const edit = planSshdEdit('/etc/ssh/sshd_config', facts.files, desired);
    return {
      summary: 'Allow no user at all over SSH (a deliberately broken change).',
      files: edit.files,
      commands: [
        { argv: ['/usr/sbin/sshd', '-t'], elevated: true, why: 'validate' },
        { argv: ctx.distro.reloadService(ctx.distro.sshService), elevated: true, why: 'reload' },
      ],
      warnings: [{ kind: 'lockout-risk', message: 'This change locks every user out; Harden Lab must revert it.' }],
      nothingToDo: false,
      data: { desired },
    };
  },
};
