/**
 * Kernel build options that matter for a container host, checked against the
 * running kernel's config (/boot/config-<release> or /proc/config.gz), in the
 * spirit of kernel-hardening-checker and the KSPP recommendations. They are
 * fixed when the kernel is built: the remedy is a distribution kernel that
 * sets them (or building your own), never an edit on the VM.
 *
 * Each check passes when ANY of its conditions holds, which covers renamed
 * options (RETPOLINE became MITIGATION_RETPOLINE in 6.9) and alternatives
 * (no /dev/mem at all, or a strict one).
 */
export type KernelConfig = ReadonlyMap<string, string>;

/** "CONFIG_X=y" lines and "# CONFIG_X is not set" lines; names are kept without the CONFIG_ prefix. */
export function parseKernelConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set) {
      out.set(set[1]!, set[2]!.replace(/^"(.*)"$/, '$1'));
      continue;
    }
    const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) out.set(unset[1]!, 'n');
  }
  return out;
}

export type Arch = 'x86_64' | 'arm64' | 'other';

export function configArch(config: KernelConfig): Arch {
  if (config.get('X86_64') === 'y') return 'x86_64';
  if (config.get('ARM64') === 'y') return 'arm64';
  return 'other';
}

export interface Condition {
  option: string;
  /** Wanted values ("y"); absent means the option must be off (not set or missing). */
  is?: readonly string[];
  arch?: Arch;
}

export interface ConfigCheck {
  id: string;
  title: string;
  anyOf: readonly Condition[];
  why: string;
}

const y = ['y'] as const;

export const CONFIG_CHECKS: readonly ConfigCheck[] = [
  { id: 'strict-kernel-rwx', title: 'Kernel code is read-only and its data not executable', anyOf: [{ option: 'STRICT_KERNEL_RWX', is: y }, { option: 'DEBUG_RODATA', is: y }], why: 'An attacker who can write kernel memory cannot patch kernel code or run injected data.' },
  { id: 'strict-module-rwx', title: 'Module code is read-only and its data not executable', anyOf: [{ option: 'STRICT_MODULE_RWX', is: y }, { option: 'DEBUG_SET_MODULE_RONX', is: y }], why: 'The same protection for loaded modules.' },
  { id: 'randomize-base', title: 'KASLR: the kernel loads at a random address', anyOf: [{ option: 'RANDOMIZE_BASE', is: y }], why: 'Exploits must first find the kernel; leaks then matter (kptr_restrict, dmesg_restrict).' },
  { id: 'stackprotector-strong', title: 'Strong stack protector', anyOf: [{ option: 'STACKPROTECTOR_STRONG', is: y }, { option: 'CC_STACKPROTECTOR_STRONG', is: y }], why: 'Stack buffer overflows in the kernel are caught before the function returns.' },
  { id: 'vmap-stack', title: 'Kernel stacks with guard pages', anyOf: [{ option: 'VMAP_STACK', is: y }], why: 'A kernel stack overflow faults instead of silently overwriting the next allocation.' },
  { id: 'hardened-usercopy', title: 'Hardened copies between user and kernel memory', anyOf: [{ option: 'HARDENED_USERCOPY', is: y }], why: 'copy_to_user/copy_from_user refuse sizes that overrun their object, a classic source of leaks and overflows.' },
  { id: 'fortify-source', title: 'FORTIFY_SOURCE for kernel string functions', anyOf: [{ option: 'FORTIFY_SOURCE', is: y }], why: 'Overflows through memcpy/strcpy with known buffer sizes are caught at build or run time.' },
  { id: 'init-on-alloc', title: 'Memory is zeroed when allocated', anyOf: [{ option: 'INIT_ON_ALLOC_DEFAULT_ON', is: y }], why: 'Uninitialised kernel memory cannot leak old data to containers.' },
  { id: 'init-on-free', title: 'Memory is zeroed when freed', anyOf: [{ option: 'INIT_ON_FREE_DEFAULT_ON', is: y }], why: 'Freed secrets do not linger; costs some performance (init_on_free=1 turns it on at boot).' },
  { id: 'slab-freelist-random', title: 'Randomised slab freelists', anyOf: [{ option: 'SLAB_FREELIST_RANDOM', is: y }], why: 'Heap overflows cannot predict which object comes next.' },
  { id: 'slab-freelist-hardened', title: 'Hardened slab freelist metadata', anyOf: [{ option: 'SLAB_FREELIST_HARDENED', is: y }], why: 'Corrupted freelist pointers are detected instead of handing out attacker-chosen memory.' },
  { id: 'randomize-kstack', title: 'Random kernel stack offset on each system call', anyOf: [{ option: 'RANDOMIZE_KSTACK_OFFSET_DEFAULT', is: y }], why: 'Stack-based attacks cannot rely on a fixed layout between calls.' },
  { id: 'page-table-isolation', title: 'Page table isolation (Meltdown)', anyOf: [{ option: 'PAGE_TABLE_ISOLATION', is: y, arch: 'x86_64' }, { option: 'MITIGATION_PAGE_TABLE_ISOLATION', is: y, arch: 'x86_64' }, { option: 'UNMAP_KERNEL_AT_EL0', is: y, arch: 'arm64' }], why: 'User space, and so every container, cannot read kernel memory through speculative execution.' },
  { id: 'retpoline', title: 'Retpolines (Spectre v2)', anyOf: [{ option: 'RETPOLINE', is: y, arch: 'x86_64' }, { option: 'MITIGATION_RETPOLINE', is: y, arch: 'x86_64' }], why: 'Indirect branches cannot be steered by another process to leak kernel data.' },
  { id: 'legacy-vsyscall-none', title: 'No legacy vsyscall page', anyOf: [{ option: 'LEGACY_VSYSCALL_NONE', is: y, arch: 'x86_64' }], why: 'The fixed-address vsyscall page is a ready-made gadget for exploits.' },
  { id: 'seccomp-filter', title: 'seccomp filters', anyOf: [{ option: 'SECCOMP_FILTER', is: y }], why: 'Docker\'s and Podman\'s default seccomp profiles need it to block dangerous system calls in containers.' },
  { id: 'module-sig', title: 'Module signatures are checked', anyOf: [{ option: 'MODULE_SIG', is: y }, { option: 'MODULES' }], why: 'The kernel can tell modules its vendor signed from anything else.' },
  { id: 'module-sig-force', title: 'Only signed modules load', anyOf: [{ option: 'MODULE_SIG_FORCE', is: y }, { option: 'MODULES' }], why: 'A root process (or an escaped container) cannot load a module of its own; without it, lockdown or module.sig_enforce=1 on the command line does the same.' },
  { id: 'bpf-unpriv-off', title: 'Unprivileged BPF is off by default', anyOf: [{ option: 'BPF_UNPRIV_DEFAULT_OFF', is: y }, { option: 'BPF_SYSCALL' }], why: 'Unprivileged eBPF has been the way in for many kernel exploits.' },
  { id: 'devmem', title: '/dev/mem is absent or restricted', anyOf: [{ option: 'DEVMEM' }, { option: 'STRICT_DEVMEM', is: y }], why: 'Raw physical memory access would let root read and patch the running kernel.' },
  { id: 'lockdown-lsm', title: 'The lockdown LSM is built in', anyOf: [{ option: 'SECURITY_LOCKDOWN_LSM', is: y }], why: 'Lockdown keeps even root from modifying the running kernel (modules, /dev/mem, kexec, hibernation).' },
  { id: 'yama', title: 'The Yama LSM is built in', anyOf: [{ option: 'SECURITY_YAMA', is: y }], why: 'Yama restricts ptrace, so one compromised process cannot read another\'s memory.' },
  { id: 'mac-lsm', title: 'AppArmor or SELinux is built in', anyOf: [{ option: 'SECURITY_APPARMOR', is: y }, { option: 'SECURITY_SELINUX', is: y }], why: 'Container engines confine containers with AppArmor or SELinux profiles; without either, that layer is missing.' },
  { id: 'dmesg-restrict', title: 'The kernel log is for root only by default', anyOf: [{ option: 'SECURITY_DMESG_RESTRICT', is: y }], why: 'Kernel addresses and other leaks in dmesg help exploits.' },
  { id: 'bug-on-data-corruption', title: 'Data corruption stops the kernel', anyOf: [{ option: 'BUG_ON_DATA_CORRUPTION', is: y }], why: 'A detected list corruption stops instead of letting an exploit continue.' },
];

export interface ConfigCheckResult {
  check: ConfigCheck;
  status: 'pass' | 'fail' | 'skip';
  /** The options as the config has them, e.g. "CONFIG_DEVMEM=y, CONFIG_STRICT_DEVMEM=y". */
  evidence: string;
}

function shown(config: KernelConfig, option: string): string {
  const v = config.get(option);
  return v === undefined ? `CONFIG_${option} absent` : v === 'n' ? `CONFIG_${option} is not set` : `CONFIG_${option}=${v}`;
}

export function evaluateConfigCheck(check: ConfigCheck, config: KernelConfig, arch: Arch = configArch(config)): ConfigCheckResult {
  const applicable = check.anyOf.filter((c) => !c.arch || c.arch === arch);
  if (applicable.length === 0) return { check, status: 'skip', evidence: `not applicable on ${arch}` };
  // Names that are absent from this kernel's config altogether and are only alternatives clutter the evidence.
  const present = applicable.filter((c) => config.has(c.option));
  const evidence = (present.length > 0 ? present : applicable.slice(0, 1)).map((c) => shown(config, c.option)).join(', ');
  const holds = (c: Condition): boolean => {
    const v = config.get(c.option);
    if (!c.is) return v === undefined || v === 'n';
    return v !== undefined && c.is.includes(v);
  };
  return { check, status: applicable.some(holds) ? 'pass' : 'fail', evidence };
}

export function evaluateConfig(config: KernelConfig): ConfigCheckResult[] {
  const arch = configArch(config);
  return CONFIG_CHECKS.map((c) => evaluateConfigCheck(c, config, arch));
}
