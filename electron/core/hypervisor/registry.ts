import { HardenLabError, isHardenLabError } from '../errors';
import type { HypervisorDriver, HypervisorKind } from './types';
import { createVirtualBoxDriver } from './virtualbox';

/**
 * One driver instance per hypervisor kind, created on first use. The QEMU
 * driver lives in ./qemu/index.ts and must export
 *
 *     export function createQemuDriver(): HypervisorDriver
 *
 * It is loaded lazily so that code which only needs VirtualBox never pays for
 * (or breaks on) the QEMU module.
 */
export type DriverLoader = () => Promise<HypervisorDriver>;

export interface DriverRegistry {
  getDriver(kind: HypervisorKind): Promise<HypervisorDriver>;
  /**
   * Every driver whose module loads, in a stable order (virtualbox, qemu).
   * A driver that loads but whose hypervisor is not installed is included:
   * its availability() says so.
   */
  allDrivers(): Promise<HypervisorDriver[]>;
}

export const HYPERVISOR_KINDS: readonly HypervisorKind[] = ['virtualbox', 'qemu'];

interface QemuModule {
  createQemuDriver?: () => HypervisorDriver;
}

// A specifier held in a variable: this file then compiles whether or not the
// QEMU module is present yet, and the module is resolved only when asked for.
const QEMU_MODULE = './qemu/index';

async function loadQemu(): Promise<HypervisorDriver> {
  let mod: QemuModule;
  try {
    mod = (await import(/* @vite-ignore */ QEMU_MODULE)) as QemuModule;
  } catch (e) {
    throw new HardenLabError('NOT_IMPLEMENTED', 'The QEMU driver is not part of this build of Harden Lab.', {
      hint: 'Use a VirtualBox VM, or a build that includes electron/core/hypervisor/qemu.',
      cause: e,
    });
  }
  if (typeof mod.createQemuDriver !== 'function') {
    throw new HardenLabError('INTERNAL', 'The QEMU driver module does not export createQemuDriver().');
  }
  return mod.createQemuDriver();
}

export const DEFAULT_LOADERS: Record<HypervisorKind, DriverLoader> = {
  virtualbox: async () => createVirtualBoxDriver(),
  qemu: loadQemu,
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
