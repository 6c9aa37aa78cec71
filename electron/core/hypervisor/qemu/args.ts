/**
 * The exact qemu-system-x86_64 command line for a lab instance, as data.
 * Pure: tests assert the argv, the process adapter only spawns it.
 */
export type Accel = 'kvm' | 'tcg';

export interface FwCfgFile {
  /** fw_cfg item name; QEMU wants "opt/..." for user items, at most 55 bytes. */
  name: string;
  file: string;
}

export interface QemuLaunchSpec {
  /** Instance name, shown in `ps` and QEMU's window title. */
  name: string;
  disk: string;
  /** Block node name used by QMP snapshot commands. */
  diskNode: string;
  accel: Accel;
  memoryMiB: number;
  cpus: number;
  /** Host port on 127.0.0.1 forwarded to the guest's port 22. */
  sshPort: number;
  qmpSocket: string;
  pidFile: string;
  serialLog: string;
  fwCfg: FwCfgFile[];
  /** Start from this internal snapshot instead of a cold boot. */
  loadvm?: string;
  daemonize: boolean;
}

export const DISK_NODE = 'disk0';

/**
 * QEMU's option syntax (key=value,key=value) takes a doubled comma as a
 * literal comma; everything else in a value is taken as is. Paths under a
 * user's home can contain commas, so every path inside an option is escaped.
 */
export function qemuOptValue(s: string): string {
  return s.replaceAll(',', ',,');
}

const FW_CFG_NAME = /^opt\/[A-Za-z0-9._/-]{1,51}$/;

export function buildQemuArgv(spec: QemuLaunchSpec): string[] {
  for (const f of spec.fwCfg) {
    if (!FW_CFG_NAME.test(f.name)) throw new Error(`fw_cfg item name "${f.name}" is not of the form opt/NAME (at most 55 bytes).`);
  }
  if (!Number.isInteger(spec.sshPort) || spec.sshPort < 1 || spec.sshPort > 65535) throw new Error(`Invalid SSH port ${spec.sshPort}.`);
  const blockdev = {
    driver: 'qcow2',
    'node-name': spec.diskNode,
    discard: 'unmap',
    file: { driver: 'file', filename: spec.disk, 'node-name': `${spec.diskNode}-file`, discard: 'unmap' },
  };
  const argv = [
    '-name',
    qemuOptValue(`hardenlab-${spec.name}`),
    // No default devices (floppy, CD-ROM, e1000, VGA): less to emulate, faster boot.
    '-nodefaults',
    '-no-user-config',
    '-machine',
    'q35',
    '-accel',
    spec.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi',
    '-cpu',
    spec.accel === 'kvm' ? 'host' : 'max',
    '-m',
    String(spec.memoryMiB),
    '-smp',
    String(spec.cpus),
    '-display',
    'none',
    '-chardev',
    `file,id=serial0,path=${qemuOptValue(spec.serialLog)}`,
    '-serial',
    'chardev:serial0',
    '-chardev',
    `socket,id=qmp0,path=${qemuOptValue(spec.qmpSocket)},server=on,wait=off`,
    '-mon',
    'chardev=qmp0,mode=control',
    // JSON syntax: no comma escaping needed inside, and node names are ours.
    '-blockdev',
    JSON.stringify(blockdev),
    '-device',
    `virtio-blk-pci,drive=${spec.diskNode},bootindex=0`,
    '-netdev',
    `user,id=net0,hostfwd=tcp:127.0.0.1:${spec.sshPort}-:22`,
    '-device',
    'virtio-net-pci,netdev=net0',
    // Entropy for the guest's early boot (sshd, getrandom) without waiting.
    '-object',
    'rng-random,id=rng0,filename=/dev/urandom',
    '-device',
    'virtio-rng-pci,rng=rng0',
    '-boot',
    'menu=off',
  ];
  for (const f of spec.fwCfg) argv.push('-fw_cfg', `name=${f.name},file=${qemuOptValue(f.file)}`);
  if (spec.loadvm !== undefined) argv.push('-loadvm', spec.loadvm);
  argv.push('-pidfile', spec.pidFile);
  if (spec.daemonize) argv.push('-daemonize');
  return argv;
}

/**
 * A unix socket path must fit in sun_path (108 bytes with the NUL on Linux,
 * 104 on macOS). A lab under a long home directory gets its monitor socket
 * in a short per-user runtime directory instead, named after the instance.
 */
export const SUN_PATH_MAX = 104;

export function chooseQmpSocketPath(instanceDir: string, runtimeDir: string, instanceKey: string): string {
  const inDir = `${instanceDir}/qmp.sock`;
  if (Buffer.byteLength(inDir) < SUN_PATH_MAX) return inDir;
  return `${runtimeDir}/${instanceKey}.qmp`;
}
