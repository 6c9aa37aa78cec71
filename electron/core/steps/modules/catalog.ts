/**
 * What the modules step knows without asking the VM: the modules a container
 * host can do without, the modules containers need (never offered), and
 * which module a mounted file system type lives in. Pure data.
 */

/** modprobe treats - and _ alike; the kernel (lsmod, /proc/modules) spells them with _. */
export function canonicalModule(name: string): string {
  return name.replace(/-/g, '_');
}

export interface RecommendedModule {
  name: string;
  why: string;
}

/**
 * The CIS / KSPP "uncommon file systems and network protocols" set: each is
 * attack surface that a server rarely uses and that any user can make the
 * kernel load (mounting an image, opening a socket of that family).
 */
export const RECOMMENDED_MODULES: readonly RecommendedModule[] = [
  { name: 'cramfs', why: 'compressed ROM file system of old embedded devices' },
  { name: 'freevxfs', why: 'Veritas VxFS file system (HP-UX and SCO disks)' },
  { name: 'jffs2', why: 'flash file system of embedded devices' },
  { name: 'hfs', why: 'classic Mac OS file system' },
  { name: 'hfsplus', why: 'macOS HFS+ file system' },
  { name: 'squashfs', why: 'compressed read-only images (snaps and live media need it)' },
  { name: 'udf', why: 'DVD and Blu-ray file system' },
  { name: 'usb_storage', why: 'USB disks and sticks: data in or out through a USB port' },
  { name: 'dccp', why: 'Datagram Congestion Control Protocol, a rarely used transport with a history of kernel bugs' },
  { name: 'sctp', why: 'Stream Control Transmission Protocol, telephony signalling; any user can open its sockets' },
  { name: 'rds', why: 'Reliable Datagram Sockets, cluster interconnect; several local privilege escalations' },
  { name: 'tipc', why: 'Transparent Inter-Process Communication, cluster protocol; remote code execution bugs in the past' },
];

export const RECOMMENDED_NAMES: readonly string[] = RECOMMENDED_MODULES.map((m) => m.name);

export function recommendedWhy(name: string): string | undefined {
  return RECOMMENDED_MODULES.find((m) => m.name === canonicalModule(name))?.why;
}

/**
 * Modules Docker, Podman and Kubernetes load for storage and networking:
 * overlay storage, bridges and veth pairs, VXLAN overlays, netfilter for NAT
 * and port publishing, IPVS for services, fuse for rootless overlays.
 * Blocking any of them breaks containers, often only when a container starts
 * later, so they are never offered.
 */
const CONTAINER_EXACT = new Set([
  'overlay',
  'br_netfilter',
  'bridge',
  'stp',
  'llc',
  'veth',
  'vxlan',
  'macvlan',
  'ipvlan',
  'dummy',
  'tun',
  'fuse',
  'x_tables',
  'ip_tables',
  'ip6_tables',
  'arp_tables',
  'ebtables',
  'ip_set',
  'xfrm_user',
  'xfrm_algo',
  'udp_tunnel',
  'ip6_udp_tunnel',
  'libcrc32c',
  'nfnetlink',
]);
const CONTAINER_PREFIXES = ['nf_', 'nft_', 'xt_', 'ipt_', 'ip6t_', 'iptable_', 'ip6table_', 'ebt_', 'ebtable_', 'arptable_', 'nfnetlink_', 'ip_vs', 'ip_set_', 'cls_', 'sch_', 'act_'];

export function isContainerModule(name: string): boolean {
  const m = canonicalModule(name);
  return CONTAINER_EXACT.has(m) || CONTAINER_PREFIXES.some((p) => m.startsWith(p));
}

/**
 * Modules whose dependency lists (`modprobe -n -v`) tell which other modules
 * containers pull in: a module that one of these loads as a dependency is
 * container-needed too, even when its own name looks harmless.
 */
export const CONTAINER_ROOT_MODULES: readonly string[] = [
  'overlay',
  'br_netfilter',
  'veth',
  'vxlan',
  'macvlan',
  'ipvlan',
  'nf_conntrack',
  'nf_nat',
  'nft_chain_nat',
  'nft_compat',
  'iptable_nat',
  'iptable_filter',
  'ip6table_nat',
  'xt_MASQUERADE',
  'xt_conntrack',
  'xt_addrtype',
  'ip_vs',
  'tun',
  'fuse',
];

/** File system type (as in /proc/mounts) -> the module that provides it, where the names differ. */
const FS_MODULE: Record<string, string> = {
  vxfs: 'freevxfs',
  fuseblk: 'fuse',
  fusectl: 'fuse',
  ext2: 'ext4',
  ext3: 'ext4',
  iso9660: 'isofs',
  nfs4: 'nfsv4',
  smb3: 'cifs',
};

/** The module a mounted file system type needs. */
export function moduleForFsType(fsType: string): string {
  if (fsType.startsWith('fuse.')) return 'fuse';
  return canonicalModule(FS_MODULE[fsType] ?? fsType);
}

/** What `install M CMD` lines may run to refuse a load: any command that exits without loading counts. */
/** The dry-run line of a blocked module, for the proofs a fleet host runs: the same rule as isBlockingInstallCommand, in the pattern dialect every judge shares. */
export const BLOCKED_DRY_RUN_LINE = '^ *install (/usr)?(/s?bin/)?(false|true)( |$)';

export function isBlockingInstallCommand(command: string): boolean {
  return /^(?:\/usr)?(?:\/s?bin\/)?(?:false|true)(?:\s|$)/.test(command.trim());
}

export const OUR_FILE_NAME = 'hardenlab-blacklist.conf';
