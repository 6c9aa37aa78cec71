/**
 * The kernel command-line hardening options, one line each, after
 * kernel-hardening-checker's cmdline checks (the KSPP recommendations), in
 * this project's words. Defaults are safe on a VM; opt-ins say what they
 * break. `needs` is what the running kernel must have for the option to mean
 * anything (the plan leaves the others out and says why); `defaultOn` is the
 * build option that already makes it the kernel's default (then nothing is
 * written); `accepts` are values at least as strong, kept as they are.
 */
export type Effect = 'vsyscall' | 'debugfs' | 'lockdown' | 'mem-auto-init-alloc' | 'mem-auto-init-free';

export interface CmdlineSetting {
  id: string;
  key: string;
  /** null: a bare flag. */
  value: string | null;
  accepts?: readonly string[];
  needs?: { kernel?: readonly [number, number]; config?: readonly string[]; arch?: 'x86_64' };
  defaultOn?: string;
  optIn?: { breaks: string };
  effect?: Effect;
  why: string;
}

export const CMDLINE_SETTINGS: readonly CmdlineSetting[] = [
  { id: 'init_on_alloc', key: 'init_on_alloc', value: '1', needs: { kernel: [5, 3] }, defaultOn: 'INIT_ON_ALLOC_DEFAULT_ON', effect: 'mem-auto-init-alloc', why: 'New allocations are zeroed, so stale data never leaks into a new object.' },
  { id: 'init_on_free', key: 'init_on_free', value: '1', needs: { kernel: [5, 3] }, defaultOn: 'INIT_ON_FREE_DEFAULT_ON', effect: 'mem-auto-init-free', why: 'Freed memory is wiped, which also spoils use-after-free exploits (a few percent slower for allocation-heavy work).' },
  { id: 'slab_nomerge', key: 'slab_nomerge', value: null, why: 'Each kind of kernel object keeps its own slab cache, so an overflow in one cannot reach objects of another kind.' },
  { id: 'page_alloc.shuffle', key: 'page_alloc.shuffle', value: '1', needs: { kernel: [5, 2], config: ['SHUFFLE_PAGE_ALLOCATOR'] }, why: 'The page allocator hands out pages in random order, which makes heap layouts harder to predict.' },
  { id: 'randomize_kstack_offset', key: 'randomize_kstack_offset', value: '1', accepts: ['on'], needs: { kernel: [5, 13], config: ['RANDOMIZE_KSTACK_OFFSET'] }, defaultOn: 'RANDOMIZE_KSTACK_OFFSET_DEFAULT', why: 'The kernel stack starts at a random offset on every system call.' },
  { id: 'vsyscall', key: 'vsyscall', value: 'none', needs: { arch: 'x86_64' }, defaultOn: 'LEGACY_VSYSCALL_NONE', effect: 'vsyscall', why: 'No vsyscall page at a fixed address in every process: a classic landing spot for exploits (only very old static binaries need it).' },
  { id: 'debugfs', key: 'debugfs', value: 'off', accepts: ['no-mount'], needs: { kernel: [5, 10] }, effect: 'debugfs', why: 'debugfs exposes kernel internals never meant for production; off, it is not even registered.' },
  { id: 'pti', key: 'pti', value: 'on', needs: { arch: 'x86_64', config: ['PAGE_TABLE_ISOLATION'] }, why: 'Kernel page-table isolation even where the CPU claims it does not need it (Meltdown-class leaks).' },
  { id: 'hardened_usercopy', key: 'hardened_usercopy', value: '1', accepts: ['on'], needs: { config: ['HARDENED_USERCOPY'] }, why: 'Copies between user and kernel memory are checked against the object they touch.' },
  { id: 'lockdown', key: 'lockdown', value: 'integrity', accepts: ['confidentiality'], needs: { config: ['SECURITY_LOCKDOWN_LSM'] }, effect: 'lockdown', optIn: { breaks: 'root can no longer change the running kernel: unsigned modules (DKMS, some guest additions), kexec of unsigned kernels, /dev/mem, hibernation, some BPF and perf uses' }, why: 'Even root cannot modify the running kernel.' },
  { id: 'module.sig_enforce', key: 'module.sig_enforce', value: '1', needs: { config: ['MODULE_SIG'] }, optIn: { breaks: 'modules not signed by the distribution no longer load (DKMS, ZFS, NVIDIA, VirtualBox)' }, why: 'Only signed modules load.' },
  { id: 'mitigations', key: 'mitigations', value: 'auto,nosmt', optIn: { breaks: 'on CPUs with SMT vulnerabilities, SMT is switched off: half the logical CPUs' }, why: 'Every CPU vulnerability mitigation, and SMT off where sharing a core leaks.' },
  { id: 'ia32_emulation', key: 'ia32_emulation', value: '0', needs: { kernel: [6, 7], arch: 'x86_64', config: ['IA32_EMULATION'] }, optIn: { breaks: '32-bit x86 programs no longer run' }, why: 'The 32-bit system-call entry, a frequent source of kernel bugs, is closed.' },
];

export const DEFAULT_SETTINGS = CMDLINE_SETTINGS.filter((s) => !s.optIn);

export function cmdlineSetting(id: string): CmdlineSetting | undefined {
  return CMDLINE_SETTINGS.find((s) => s.id === id);
}
