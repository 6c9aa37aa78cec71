import { VirtualBoxDriver, type VirtualBoxDriverOptions } from './driver';

export { VirtualBoxDriver, findSnapshot, type VirtualBoxDriverOptions } from './driver';
export { locateVBoxManage, vboxManageInstallDirs, vboxManageInstallHint } from './locate';
export type { Clock } from './poll';

export function createVirtualBoxDriver(opts: VirtualBoxDriverOptions = {}): VirtualBoxDriver {
  return new VirtualBoxDriver(opts);
}
