import type { LoadedModuleShape } from '../../../shared/domain';

/**
 * Why a loaded module has to stay: something uses it (a process, another
 * module, a bound device), or containers need it (the core marks those with
 * the catalog the modules step refuses to block).
 */
export function moduleMarks(m: LoadedModuleShape): { inUse: boolean; containers: boolean } {
  return { inUse: m.useCount > 0 || m.usedBy.length > 0 || m.devices.length > 0, containers: m.containerNeeded === true };
}

/** Unused modules first (the candidates to block), then by name. */
export function sortModules(list: readonly LoadedModuleShape[]): LoadedModuleShape[] {
  const rank = (m: LoadedModuleShape) => {
    const k = moduleMarks(m);
    return k.inUse ? 2 : k.containers ? 1 : 0;
  };
  return [...list].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
