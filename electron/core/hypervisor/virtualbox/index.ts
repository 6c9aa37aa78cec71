import { VirtualBoxDriver, type VirtualBoxDriverOptions } from './driver';

export { VirtualBoxDriver, findSnapshot, type VirtualBoxDriverOptions } from './driver';
export { discoverVirtualBoxSsh, suggestConnection, profileNameFor, type VirtualBoxSshDiscovery, type VirtualBoxProfileDraft, type SshConnectSuggestion } from './discover';
export { locateVBoxManage, vboxManageInstallDirs, vboxManageInstallHint } from './locate';
export type { Clock } from './poll';

export function createVirtualBoxDriver(opts: VirtualBoxDriverOptions = {}): VirtualBoxDriver {
  return new VirtualBoxDriver(opts);
}
