import type { PolicyInput } from '../../../../shared/policy';

/**
 * The container-host hardening guide the walkthrough follows, as one
 * baseline: its practices in the article's order, with the steps' defaults
 * (which are what the guide asks for). The LSM step only reads: it is in
 * the trial's audit, not in what the trial changes.
 */
export const GUIDE: PolicyInput = {
  name: 'guide',
  version: 1,
  title: 'The guide: a hardened container host',
  description: 'The practices of the container-host hardening guide, in its order: the newest kernel, no root login and key-only SSH, a locked root account, a container engine without privileged defaults, minimal kernel modules, LSMs checked, kernel hardening sysctls.',
  source: { name: 'Container host hardening guide (the walkthrough)', note: 'Each step uses the options the guide recommends, which are the steps\u2019 defaults.' },
  steps: [
    { step: 'kernel', rule: 'guide 1: run the latest kernel' },
    { step: 'ssh', rule: 'guide 2: no root login, key-only SSH' },
    { step: 'root-account', rule: 'guide 2: named admins, root locked' },
    { step: 'containers', rule: 'guide 3-4: scan the host, no privileged containers by default' },
    { step: 'modules', rule: 'guide 5: minimal kernel modules' },
    { step: 'lsm', rule: 'guide 6: LSMs and the kernel command line (audited)' },
    { step: 'sysctl', rule: 'guide 6: kernel hardening sysctls' },
  ],
};
