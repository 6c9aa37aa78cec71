import { describe, expect, it } from 'vitest';
import { HardenLabError } from '../errors';
import { createDriverRegistry, type DriverLoader } from './registry';
import type { HypervisorDriver, HypervisorKind } from './types';
import { VirtualBoxDriver } from './virtualbox';

describe('driver registry', () => {
  it('returns the one VirtualBox driver', async () => {
    const registry = createDriverRegistry();
    const a = await registry.getDriver('virtualbox');
    expect(a).toBeInstanceOf(VirtualBoxDriver);
    expect(a.kind).toBe('virtualbox');
    expect(await registry.getDriver('virtualbox')).toBe(a);
  });

  it('loads each driver once, and tries again after a failed load', async () => {
    let vboxLoads = 0;
    let qemuLoads = 0;
    const vbox = { kind: 'virtualbox' } as HypervisorDriver;
    const qemu = { kind: 'qemu' } as HypervisorDriver;
    const loaders: Record<HypervisorKind, DriverLoader> = {
      virtualbox: async () => {
        vboxLoads++;
        return vbox;
      },
      qemu: async () => {
        qemuLoads++;
        if (qemuLoads === 1) throw new HardenLabError('NOT_IMPLEMENTED', 'not in this build');
        return qemu;
      },
    };
    const registry = createDriverRegistry(loaders);
    expect(await registry.getDriver('virtualbox')).toBe(vbox);
    await expect(registry.getDriver('qemu')).rejects.toMatchObject({ code: 'NOT_IMPLEMENTED' });
    expect(await registry.getDriver('qemu')).toBe(qemu);
    expect(await registry.getDriver('virtualbox')).toBe(vbox);
    expect([vboxLoads, qemuLoads]).toEqual([1, 2]);
  });

  it('lets other load failures through and refuses unknown kinds', async () => {
    const registry = createDriverRegistry({
      virtualbox: async () => {
        throw new Error('boom');
      },
      qemu: async () => ({ kind: 'qemu' }) as HypervisorDriver,
    });
    await expect(registry.getDriver('virtualbox')).rejects.toThrow('boom');
    await expect(registry.getDriver('hyperv' as HypervisorKind)).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
