import { describe, expect, it } from 'vitest';
import { HYPERVISOR_KIND_NAMES, hypervisorLabel, isHypervisorKind } from './hypervisor-kinds';
import { HypervisorKindSchema } from './domain';
import { HypervisorRefSchema } from './profile';

describe('hypervisor kinds', () => {
  it('has one table for names, labels and the schemas', () => {
    expect(HYPERVISOR_KIND_NAMES).toEqual(['virtualbox', 'qemu']);
    expect(hypervisorLabel('virtualbox')).toBe('VirtualBox');
    expect(hypervisorLabel('qemu')).toBe('QEMU');
    expect(HypervisorKindSchema.options).toEqual(['virtualbox', 'qemu']);
    expect(HypervisorRefSchema.safeParse({ kind: 'hyperv', vm: 'x' }).success).toBe(false);
    expect(isHypervisorKind('qemu')).toBe(true);
    expect(isHypervisorKind('hyperv')).toBe(false);
  });
});
