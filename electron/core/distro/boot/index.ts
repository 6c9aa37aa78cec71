import { alpineLoader, ALPINE_SOURCE } from './alpine';
import { extlinuxLoader, LAB_EXTLINUX } from './extlinux';
import { GRUB_CFG, grubLoader } from './grub';
import type { BootLoader } from './types';

export type { BootLoader, BootLoaderKind, NextBoot } from './types';
export { grubLoader, extlinuxLoader, alpineLoader };

/** Which boot loader a system uses, from which of their files exist (an Alpine source file first: it writes extlinux's). */
export function detectBootLoader(exists: Readonly<Record<string, boolean>>): BootLoader | null {
  if (exists[ALPINE_SOURCE]) return alpineLoader;
  if (exists[GRUB_CFG]) return grubLoader;
  if (exists[LAB_EXTLINUX]) return extlinuxLoader;
  return null;
}

export const BOOT_LOADER_MARKERS = [ALPINE_SOURCE, GRUB_CFG, LAB_EXTLINUX] as const;
