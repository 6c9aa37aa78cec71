import { describe, expect, it } from 'vitest';
import type { LoadedModuleShape } from '../../../shared/domain';
import { moduleMarks, sortModules } from './modules';

const mod = (name: string, p: Partial<LoadedModuleShape> = {}): LoadedModuleShape => ({ name, size: 4096, useCount: 0, usedBy: [], devices: [], description: '', ...p });

describe('loaded modules', () => {
  it('marks a module in use by a count, another module or a device, and containers from the core flag', () => {
    expect(moduleMarks(mod('dccp'))).toEqual({ inUse: false, containers: false });
    expect(moduleMarks(mod('ext4', { useCount: 1 }))).toMatchObject({ inUse: true });
    expect(moduleMarks(mod('crc16', { usedBy: ['ext4'] }))).toMatchObject({ inUse: true });
    expect(moduleMarks(mod('virtio_net', { devices: ['eth0'] }))).toMatchObject({ inUse: true });
    expect(moduleMarks(mod('overlay', { containerNeeded: true }))).toEqual({ inUse: false, containers: true });
  });

  it('lists the unused modules first, then container ones, then those in use', () => {
    const sorted = sortModules([mod('ext4', { useCount: 1 }), mod('overlay', { containerNeeded: true }), mod('sctp'), mod('dccp')]);
    expect(sorted.map((m) => m.name)).toEqual(['dccp', 'sctp', 'overlay', 'ext4']);
  });
});
