import { HYPERVISOR_KIND_NAMES } from '../../../shared/hypervisor-kinds';
import { HardenLabError } from '../errors';
import type { HypervisorDriver, HypervisorKind } from './types';
import { createVirtualBoxDriver } from './virtualbox';
import { createQemuDriver } from './qemu/index';

/**
 * One driver instance per hypervisor kind, created on first use.
 */
export type DriverLoader = () => Promise<HypervisorDriver>;

export interface DriverRegistry {
  getDriver(kind: HypervisorKind): Promise<HypervisorDriver>;
}

export const DEFAULT_LOADERS: Record<HypervisorKind, DriverLoader> = {
  virtualbox: async () => createVirtualBoxDriver(),
  qemu: async () => createQemuDriver(),
};

export function createDriverRegistry(loaders: Record<HypervisorKind, DriverLoader> = DEFAULT_LOADERS): DriverRegistry {
  const instances = new Map<HypervisorKind, Promise<HypervisorDriver>>();
  const getDriver = (kind: HypervisorKind): Promise<HypervisorDriver> => {
    const loader = loaders[kind] as DriverLoader | undefined;
    if (!loader) return Promise.reject(new HardenLabError('BAD_INPUT', `"${String(kind)}" is not a hypervisor Harden Lab knows (${HYPERVISOR_KIND_NAMES.join(', ')}).`));
    let p = instances.get(kind);
    if (!p) {
      p = loader();
      instances.set(kind, p);
      // A failed load is not cached: the next call tries again.
      p.catch(() => instances.delete(kind));
    }
    return p;
  };
  return { getDriver };
}
