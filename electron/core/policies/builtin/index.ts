import type { PolicyInput } from '../../../../shared/policy';
import { CIS } from './cis';
import { DEVSEC } from './devsec';
import { GUIDE } from './guide';
import { KSPP } from './kspp';

/** The built-in policies, in the order they are offered. Adding one is a file here and a line below. */
export const BUILTIN_POLICIES: readonly PolicyInput[] = [GUIDE, KSPP, DEVSEC, CIS];
