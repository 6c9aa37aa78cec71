import type { AnyStep } from '../engine/step';
import { cmdlineStep } from './cmdline/step';
import { containersStep } from './containers/step';
import { kernelStep } from './kernel/step';
import { lsmStep } from './lsm/step';
import { modulesStep } from './modules/step';
import { rootAccountStep } from './root-account/step';
import { lockoutStep } from './ssh/lockout';
import { sshStep } from './ssh/step';
import { sysctlStep } from './sysctl/step';

/** Every hardening step, in no particular order (guideOrder sorts them). Adding a step is adding it here. */
export const ALL_STEPS: readonly AnyStep[] = [lockoutStep, kernelStep, sshStep, rootAccountStep, containersStep, modulesStep, lsmStep, cmdlineStep, sysctlStep];
