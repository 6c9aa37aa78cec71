import type { StepDefinition } from '../../engine/step';
import { desiredSettings } from './settings';
import { planSshdEdit } from './sshd-config';
import { sshStep, type SshData, type SshFacts, type SshOptions } from './step';

/**
 * The safety-net demonstration: a deliberately broken change (the ssh step's
 * edit plus "AllowUsers nobody", which `sshd -t` accepts and which shuts every
 * user out) that the engine must catch and undo: the fresh login fails, the
 * snapshot is restored, the VM is proved to be as before. Newcomers try it
 * first in the walkthrough to see the way back work; the tests and the
 * benchmark use it for the same proof. It never appears in the audit.
 */
export const lockoutStep: StepDefinition<SshFacts, SshOptions, SshData> = {
  ...sshStep,
  id: 'ssh-lockout',
  title: 'Safety net demo: lock everyone out',
  summary: 'Apply a change that shuts every SSH user out, and watch Harden Lab notice and restore the snapshot by itself.',
  why: 'The fear of locking yourself out is what stops people from hardening. Seeing the automatic revert work once, on purpose, shows what protects every other step.',
  guideOrder: 1,
  optionFields: sshStep.optionFields,
  audit: () => [],
  async preflight() {
    /* the point is to lock out */
  },
  plan(facts, options, ctx) {
    const desired = [...desiredSettings(options, facts.effective), { keyword: 'AllowUsers', value: 'nobody' }];
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
      data: { desired: desired.map(({ keyword, value }) => ({ keyword, value })), options },
    };
  },
};
