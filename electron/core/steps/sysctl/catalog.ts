/**
 * The kernel settings the sysctl step manages: the KSPP recommendations and
 * kernel-hardening-checker's sysctl checks, plus the network settings of the
 * CIS benchmarks. Pure data; each entry says why, in words that go into the
 * written file above its line.
 *
 * Choices worth knowing:
 * - kernel.yama.ptrace_scope = 2 (KSPP says 1). With 1 a process may still
 *   trace its own descendants, so a compromised service user can read the
 *   memory and secrets of every process it starts; with 2 only root
 *   (CAP_SYS_PTRACE) traces. Root's strace and gdb keep working; users lose
 *   `gdb -p`, which a container host does not need. 3 (no ptrace at all)
 *   cannot be undone until reboot and breaks root's debugging: not chosen,
 *   but a host already at 3 keeps it (a stronger value is never lowered).
 * - kernel.sysrq = 0 (not 4): the magic SysRq keys are a console feature; on
 *   a VM the console is the hypervisor's, and root can still write to
 *   /proc/sysrq-trigger whatever this value says.
 * - kernel.unprivileged_bpf_disabled = 1 (Debian's default is 2): both turn
 *   unprivileged BPF off; 1 also keeps root from turning it back on until
 *   reboot, which is what KSPP asks for.
 * - kernel.unprivileged_userns_clone = 0 is opt-in: it closes a large kernel
 *   attack surface, and it breaks rootless Docker and Podman, and browser
 *   sandboxes.
 * - net.ipv4.ip_forward = 0 only on hosts without Docker or Podman: their
 *   containers reach the network through forwarding (Docker sets it to 1
 *   when it starts). It is written before the per-interface settings on
 *   purpose: changing ip_forward resets net.ipv4.conf.all.accept_redirects.
 */
export interface SysctlSetting {
  key: string;
  /** The value written when the current one is not good enough. */
  value: string;
  why: string;
  /** Whether a current value is at least as strong (default: equal). A stronger value is kept, never lowered. */
  atLeast?: boolean;
  /** Once set, the kernel refuses to change it back until reboot. */
  oneWay?: boolean;
  /** Only when asked for (breaks rootless containers). */
  optIn?: 'userns';
  /** Left alone when Docker or Podman is installed or running. */
  containerSensitive?: boolean;
}

export const KERNEL_SETTINGS: readonly SysctlSetting[] = [
  { key: 'kernel.kptr_restrict', value: '2', why: 'Hide kernel addresses (/proc/kallsyms, %pK in logs) from every user: they defeat KASLR.' },
  { key: 'kernel.dmesg_restrict', value: '1', why: 'Only root reads the kernel log, which leaks addresses and hardware details.' },
  { key: 'kernel.unprivileged_bpf_disabled', value: '1', oneWay: true, why: 'No BPF programs for unprivileged users (a source of kernel exploits); 1 cannot be turned back until reboot.' },
  { key: 'net.core.bpf_jit_harden', value: '2', why: 'Blind constants in JIT-compiled BPF for every user (against JIT spraying).' },
  { key: 'kernel.yama.ptrace_scope', value: '2', atLeast: true, why: 'Only root may ptrace: a compromised user cannot read the memory of its own processes and their secrets.' },
  { key: 'kernel.kexec_load_disabled', value: '1', oneWay: true, why: 'No loading of another kernel with kexec (it bypasses secure boot and module signing); cannot be undone until reboot.' },
  { key: 'kernel.perf_event_paranoid', value: '3', atLeast: true, why: 'No perf events for unprivileged users (3 needs the Debian/Ubuntu patch; 2 elsewhere).' },
  { key: 'kernel.randomize_va_space', value: '2', why: 'Full address space layout randomisation (stack, mmap, heap).' },
  { key: 'kernel.sysrq', value: '0', why: 'No magic SysRq keys on the console (root can still use /proc/sysrq-trigger).' },
  { key: 'dev.tty.ldisc_autoload', value: '0', why: 'Users cannot make the kernel load TTY line disciplines (old, buggy modules).' },
  { key: 'vm.unprivileged_userfaultfd', value: '0', why: 'No userfaultfd for unprivileged users: it makes kernel race conditions easy to win.' },
  { key: 'vm.mmap_min_addr', value: '65536', atLeast: true, why: 'No mapping of the lowest 64 KiB, so kernel NULL-pointer bugs cannot be exploited.' },
  { key: 'fs.protected_symlinks', value: '1', why: 'No following of symlinks in world-writable sticky directories (/tmp) owned by someone else.' },
  { key: 'fs.protected_hardlinks', value: '1', why: 'No hard links to files the user cannot read and write.' },
  { key: 'fs.protected_fifos', value: '2', why: 'No opening of FIFOs owned by others in sticky directories (/tmp spoofing).' },
  { key: 'fs.protected_regular', value: '2', why: 'No opening of regular files owned by others in sticky directories (/tmp spoofing).' },
  { key: 'fs.suid_dumpable', value: '0', why: 'setuid programs never leave core dumps with their privileged memory.' },
  {
    key: 'kernel.unprivileged_userns_clone',
    value: '0',
    optIn: 'userns',
    why: 'Unprivileged users cannot create user namespaces, a large kernel attack surface (Debian patch). Breaks rootless Docker/Podman and browser sandboxes.',
  },
];

export const NETWORK_SETTINGS: readonly SysctlSetting[] = [
  { key: 'net.ipv4.ip_forward', value: '0', containerSensitive: true, why: 'This host does not route packets between networks.' },
  { key: 'net.ipv4.conf.all.rp_filter', value: '1', why: 'Drop packets whose source address would not be routed back the way they came (spoofing).' },
  { key: 'net.ipv4.conf.default.rp_filter', value: '1', why: 'The same for interfaces created later.' },
  { key: 'net.ipv4.conf.all.accept_redirects', value: '0', why: 'Ignore ICMP redirects: they let another host on the network reroute traffic.' },
  { key: 'net.ipv4.conf.default.accept_redirects', value: '0', why: 'The same for interfaces created later.' },
  { key: 'net.ipv4.conf.all.secure_redirects', value: '0', why: 'Ignore redirects even from the listed gateways.' },
  { key: 'net.ipv4.conf.default.secure_redirects', value: '0', why: 'The same for interfaces created later.' },
  { key: 'net.ipv4.conf.all.send_redirects', value: '0', why: 'This host is not a router: it sends no redirects.' },
  { key: 'net.ipv4.conf.default.send_redirects', value: '0', why: 'The same for interfaces created later.' },
  { key: 'net.ipv4.conf.all.accept_source_route', value: '0', why: 'Refuse source-routed packets (the sender picks the path).' },
  { key: 'net.ipv4.conf.default.accept_source_route', value: '0', why: 'The same for interfaces created later.' },
  { key: 'net.ipv4.conf.all.log_martians', value: '1', why: 'Log packets with impossible addresses.' },
  { key: 'net.ipv4.conf.default.log_martians', value: '1', why: 'The same for interfaces created later.' },
  { key: 'net.ipv4.tcp_syncookies', value: '1', why: 'SYN cookies keep the host answering during a SYN flood.' },
  { key: 'net.ipv4.tcp_rfc1337', value: '1', why: 'Protect TIME-WAIT sockets from assassination (RFC 1337).' },
  { key: 'net.ipv4.icmp_echo_ignore_broadcasts', value: '1', why: 'Do not answer broadcast pings (smurf amplification).' },
  { key: 'net.ipv4.icmp_ignore_bogus_error_responses', value: '1', why: 'Ignore bogus ICMP error responses instead of logging them.' },
  { key: 'net.ipv6.conf.all.accept_redirects', value: '0', why: 'Ignore IPv6 redirects.' },
  { key: 'net.ipv6.conf.default.accept_redirects', value: '0', why: 'The same for interfaces created later.' },
  { key: 'net.ipv6.conf.all.accept_source_route', value: '0', why: 'Refuse IPv6 source routing.' },
  { key: 'net.ipv6.conf.default.accept_source_route', value: '0', why: 'The same for interfaces created later.' },
];

export const ALL_SETTINGS: readonly SysctlSetting[] = [...KERNEL_SETTINGS, ...NETWORK_SETTINGS];

export function settingFor(key: string): SysctlSetting | undefined {
  return ALL_SETTINGS.find((s) => s.key === key);
}

/**
 * Per-interface settings where the kernel honours the interface's own value
 * even when "all" says no: on a host that does not forward, redirects are
 * accepted (and sent) when either "all" or the interface allows them, and
 * IPv6 looks at the interface alone. Interfaces that exist now are set one
 * by one; later ones take "default".
 */
export const PER_INTERFACE: ReadonlyArray<{ family: 'ipv4' | 'ipv6'; name: string; value: string }> = [
  { family: 'ipv4', name: 'accept_redirects', value: '0' },
  { family: 'ipv4', name: 'secure_redirects', value: '0' },
  { family: 'ipv4', name: 'send_redirects', value: '0' },
  { family: 'ipv6', name: 'accept_redirects', value: '0' },
];

/** Interfaces that come and go with containers and VMs: not pinned by name. */
export function isTransientInterface(name: string): boolean {
  return name === 'lo' || name === 'all' || name === 'default' || /^(docker|veth|br-|cni|flannel|cali|vxlan|tun|tap|virbr|podman|kube|cilium|lxc|weave|wg)/.test(name);
}

/** Where sysctl.d files live, in the order a file name in one hides the same name in the next. */
export const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'];

/**
 * Our file's name: sorted last among sysctl.d files, so its values win at
 * boot. A "90-" name would lose to Debian's own
 * /usr/lib/sysctl.d/99-protect-links.conf, which sets fs.protected_fifos = 1.
 */
export const OUR_FILE_NAME = '99-zz-hardenlab.conf';
