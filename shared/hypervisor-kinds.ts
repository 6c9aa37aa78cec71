/**
 * The hypervisors Harden Lab drives, once: the profile schema, the IPC
 * contract, the core's driver registry and the UI's labels all read this
 * table, so a third kind is one row here (and its driver).
 */
export const HYPERVISOR_KINDS = [
  { kind: 'virtualbox', label: 'VirtualBox' },
  { kind: 'qemu', label: 'QEMU' },
] as const;

export type HypervisorKind = (typeof HYPERVISOR_KINDS)[number]['kind'];

/** The kinds alone, in table order; a non-empty tuple so that z.enum takes it. */
export const HYPERVISOR_KIND_NAMES = HYPERVISOR_KINDS.map((h) => h.kind) as unknown as readonly [HypervisorKind, ...HypervisorKind[]];

/** "VirtualBox", "QEMU": the name a person reads. */
export function hypervisorLabel(kind: HypervisorKind): string {
  return HYPERVISOR_KINDS.find((h) => h.kind === kind)?.label ?? kind;
}

export function isHypervisorKind(value: string): value is HypervisorKind {
  return HYPERVISOR_KINDS.some((h) => h.kind === value);
}
