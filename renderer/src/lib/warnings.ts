import type { PlanWarning } from '../../../shared/domain';

/**
 * Plain words for each kind of plan warning. The three kinds the engine
 * refuses to apply without confirmation (lock-out, irreversible, breaks
 * Docker) are the ones `needsConfirm` marks; the confirmation dialog names them.
 */
export type WarningKind = PlanWarning['kind'];

export interface WarningInfo {
  label: string;
  /** One sentence on what it means for the person at the keyboard. */
  meaning: string;
  tone: 'danger' | 'warn' | 'info';
  needsConfirm: boolean;
}

export const WARNING_INFO: Record<WarningKind, WarningInfo> = {
  'lockout-risk': {
    label: 'Could lock you out',
    meaning: 'If this goes wrong you may no longer be able to log in. Harden Lab tests a fresh login and restores the snapshot if it fails.',
    tone: 'danger',
    needsConfirm: true,
  },
  'irreversible-until-reboot': {
    label: 'Cannot be undone until a reboot',
    meaning: 'The running kernel keeps this change until the VM restarts (or the snapshot is restored).',
    tone: 'danger',
    needsConfirm: true,
  },
  'until-reboot': {
    label: 'Holds only until a reboot',
    meaning: 'This part of the change is made in the running system only; the next boot does not keep it. The reboot proof shows it.',
    tone: 'warn',
    needsConfirm: false,
  },
  'breaks-docker': {
    label: 'May break containers',
    meaning: 'Docker or the containers running on this VM may stop working after this change.',
    tone: 'danger',
    needsConfirm: true,
  },
  'reboot-required': {
    label: 'Needs a reboot',
    meaning: 'The VM restarts during the change; Harden Lab waits for SSH and checks again.',
    tone: 'warn',
    needsConfirm: false,
  },
  'needs-network': {
    label: 'Needs network access',
    meaning: 'The VM downloads packages from its distribution mirror.',
    tone: 'warn',
    needsConfirm: false,
  },
  info: { label: 'Note', meaning: '', tone: 'info', needsConfirm: false },
};

export function risksNeedingConfirm(warnings: readonly PlanWarning[]): PlanWarning[] {
  return warnings.filter((w) => WARNING_INFO[w.kind].needsConfirm);
}

/** Most severe first, so the dangerous ones are read first. */
export function sortWarnings(warnings: readonly PlanWarning[]): PlanWarning[] {
  const rank = { danger: 0, warn: 1, info: 2 } as const;
  return [...warnings].sort((a, b) => rank[WARNING_INFO[a.kind].tone] - rank[WARNING_INFO[b.kind].tone]);
}
