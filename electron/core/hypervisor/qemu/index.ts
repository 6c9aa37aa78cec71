/**
 * The QEMU hypervisor driver (loaded lazily by ../registry.ts). Its VMs are
 * the lab instances that electron/core/lab creates; ./instance/ boots and runs them.
 */
export { createQemuDriver, QemuDriver, type QemuDriverOptions } from './driver';
export { QmpClient, QmpCommandError, QmpConnectionError, withQmp } from './qmp-client';
export { buildQemuArgv, chooseQmpSocketPath, DISK_NODE, type Accel, type QemuLaunchSpec } from './args';
export { decideAccel, judgeKvmProbe } from './accel';
