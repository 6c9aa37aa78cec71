import { HardenLabError, isHardenLabError } from '../errors';
import type { HypervisorDriver, HypervisorKind } from './types';
import { createVirtualBoxDriver } from './virtualbox';
import { createQemuDriver } from './qemu/index';

/**
 * One driver instance per hypervisor kind, created on first use.
 */
export type DriverLoader = () => Promise<HypervisorDriver>;

export interface DriverRegistry {
  getDriver(kind: HypervisorKind): Promise<HypervisorDriver>;
  /**
   * Every driver, in a stable order (virtualbox, qemu). A driver whose
   * hypervisor is not installed is included: its availability() says so.
   */
  allDrivers(): Promise<HypervisorDriver[]>;
}

export const HYPERVISOR_KINDS: readonly HypervisorKind[] = ['virtualbox', 'qemu'];

export const DEFAULT_LOADERS: Record<HypervisorKind, DriverLoader> = {
  virtualbox: async () => createVirtualBoxDriver(),
  qemu: async () => createQemuDriver(),
};

export function createDriverRegistry(loaders: Record<HypervisorKind, DriverLoader> = DEFAULT_LOADERS): DriverRegistry {
  const instances = new Map<HypervisorKind, Promise<HypervisorDriver>>();
  const getDriver = (kind: HypervisorKind): Promise<HypervisorDriver> => {
    const loader = loaders[kind] as DriverLoader | undefined;
    if (!loader) return Promise.reject(new HardenLabError('BAD_INPUT', `"${String(kind)}" is not a hypervisor Harden Lab knows (virtualbox, qemu).`));
    let p = instances.get(kind);
    if (!p) {
      p = loader();
      instances.set(kind, p);
      // A failed load is not cached: the next call tries again.
      p.catch(() => instances.delete(kind));
    }
    return p;
  };
  const allDrivers = async (): Promise<HypervisorDriver[]> => {
    const out: HypervisorDriver[] = [];
    for (const kind of HYPERVISOR_KINDS) {
      try {
        out.push(await getDriver(kind));
      } catch (e) {
        if (!(isHardenLabError(e) && e.code === 'NOT_IMPLEMENTED')) throw e;
      }
    }
    return out;
  };
  return { getDriver, allDrivers };
}

const defaultRegistry = createDriverRegistry();

export function getDriver(kind: HypervisorKind): Promise<HypervisorDriver> {
  return defaultRegistry.getDriver(kind);
}

export function allDrivers(): Promise<HypervisorDriver[]> {
  return defaultRegistry.allDrivers();
}
