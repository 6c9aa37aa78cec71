import type { PolicyInput } from '../../../../shared/policy';

/**
 * The Kernel Self Protection Project's recommended settings as
 * kernel-hardening-checker checks them, the parts that apply to a VM and
 * that these steps write: its sysctl checks (rule ids are the checker's
 * option names with its reason), and the modules it wants out of reach.
 * Its command-line checks (init_on_alloc, slab_nomerge, mitigations...) are
 * read by the LSM step's audit; the command line is not changed by a trial.
 */
const s = (id: string, reason: string) => ({ id, rule: `kernel-hardening-checker sysctl ${id} (${reason})` });

export const KSPP: PolicyInput = {
  name: 'kspp',
  version: 1,
  title: 'KSPP / kernel-hardening-checker',
  description: 'Kernel self-protection: hide kernel addresses and logs, no unprivileged BPF, perf, userfaultfd or user namespaces, no kexec, ptrace only by root, /tmp link protections, no SysRq. Closes the most attack surface of the four, and breaks what needs unprivileged user namespaces (rootless containers, browser sandboxes).',
  source: { name: 'Kernel Self Protection Project, as checked by kernel-hardening-checker', url: 'https://kspp.github.io/Recommended_Settings', note: 'ptrace_scope: the checker asks for 3, these steps write 2 (3 cannot be undone until reboot and stops root debugging); a host already at 3 keeps it.' },
  steps: [
    {
      step: 'sysctl',
      settings: [
        s('kernel.kptr_restrict', 'self_protection'),
        s('kernel.dmesg_restrict', 'self_protection'),
        s('kernel.perf_event_paranoid', 'self_protection'),
        s('kernel.kexec_load_disabled', 'self_protection'),
        s('kernel.unprivileged_bpf_disabled', 'cut_attack_surface'),
        s('net.core.bpf_jit_harden', 'self_protection'),
        s('vm.unprivileged_userfaultfd', 'cut_attack_surface'),
        s('kernel.unprivileged_userns_clone', 'cut_attack_surface'),
        s('kernel.yama.ptrace_scope', 'cut_attack_surface'),
        s('kernel.randomize_va_space', 'self_protection'),
        s('kernel.sysrq', 'cut_attack_surface'),
        s('dev.tty.ldisc_autoload', 'cut_attack_surface'),
        s('vm.mmap_min_addr', 'self_protection'),
        s('fs.protected_symlinks', 'harden_userspace'),
        s('fs.protected_hardlinks', 'harden_userspace'),
        s('fs.protected_fifos', 'harden_userspace'),
        s('fs.protected_regular', 'harden_userspace'),
        s('fs.suid_dumpable', 'harden_userspace'),
      ],
    },
    {
      step: 'modules',
      rule: 'KSPP: reduce the modules an unprivileged user can make the kernel load',
      settings: ['dccp', 'sctp', 'rds', 'tipc'].map((id) => ({ id, rule: `KSPP recommended settings: ${id} not auto-loadable` })),
    },
    { step: 'lsm', rule: 'kernel-hardening-checker cmdline and LSM checks (audited)' },
  ],
};
