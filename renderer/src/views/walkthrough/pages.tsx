import type { ReactNode } from 'react';
import type { AuditCheck } from '../../lib/stepAudit';
import type { WalkthroughPageId } from '../../lib/walkthrough';

/**
 * The words of each walkthrough page. The source is a 2019 article on
 * hardening a Linux container host at the kernel level; this is the app's own
 * summary of its argument and practices, in the order the article gives them.
 */
export interface PageContent {
  lead: string;
  body: ReactNode;
  /** Narrows the audit checks shown for a page that shares its step with another page. */
  checkFilter?: (c: AuditCheck) => boolean;
}

export const PAGE_CONTENT: Record<WalkthroughPageId, PageContent> = {
  sandbox: {
    lead: 'Containers share the host’s kernel. Harden the host first, and try every change in a sandbox you can roll back.',
    body: (
      <>
        <p>
          A container is a group of ordinary processes on the host, fenced in by kernel features (namespaces, cgroups, capabilities, seccomp). There is one kernel for the host
          and all its containers: a weakness in that kernel or in the host is a weakness of every container, and a process that escapes a container lands on the host.
        </p>
        <p>
          That is why this guide starts with the host and its kernel, and why it starts in a sandbox: a VM with a snapshot to return to, not a machine that matters. Some of
          these changes can lock you out or stop containers from working; here, each one is undone in seconds.
        </p>
        <p>This page takes the baseline snapshot: the VM as it is before any change. Every later step also takes its own snapshot first.</p>
      </>
    ),
  },
  kernel: {
    lead: 'Many container escapes are kernel bugs, and many are fixed only in newer kernels.',
    body: (
      <>
        <p>
          Kernel bugs that let a process climb out of a container or take over the host are found every year; distributions ship the fixes as kernel updates. A host running
          an old kernel keeps those doors open for every container on it.
        </p>
        <p>
          Check which kernel runs with <code>uname -r</code>. Upgrading means installing the distribution’s newest kernel package and rebooting into it. Harden Lab plans the
          upgrade, snapshots the VM, installs, reboots, and proves with <code>uname -r</code> that the new kernel is the one running. Under emulation the install can take
          several minutes.
        </p>
      </>
    ),
  },
  ssh: {
    lead: 'Passwords can be guessed and root is the account everyone tries. Log in with a key, as a normal user.',
    body: (
      <>
        <p>
          Turn off password logins (<code>PasswordAuthentication no</code>) and direct root logins (<code>PermitRootLogin no</code>); log in as an ordinary user with an SSH
          key and elevate with sudo when needed. Keep the root account itself locked.
        </p>
        <p>
          The order matters: make sure a key login works before turning passwords off, or you lock yourself out. Harden Lab checks a fresh key login before it changes anything,
          and again afterwards; if that fails, it restores the snapshot. It also reads the configuration the way sshd does (the first value wins, and files in{' '}
          <code>sshd_config.d</code> are read first) and proves the result with <code>sshd -T</code>.
        </p>
      </>
    ),
  },
  scan: {
    lead: 'A scanner checks a Docker host against a benchmark and tells you where to look first.',
    body: (
      <>
        <p>
          docker-bench-security runs the checks of the CIS Docker Benchmark. It runs as a container itself, with the host’s <code>/etc</code>, <code>/var/lib</code>, the
          Docker socket and systemd mounted, so that it can see how the host and the Docker daemon are set up.
        </p>
        <p>
          Its report is split into sections. Read “Host Configuration” first: it covers the host and its kernel, which is what this guide hardens. Docker must be installed on
          the VM for the scan to run.
        </p>
      </>
    ),
    checkFilter: (c) => /bench|scan|cis|docker/i.test(`${c.id} ${c.title}`),
  },
  privileged: {
    lead: 'A privileged container is root on the host with extra steps.',
    body: (
      <>
        <p>
          <code>--privileged</code> gives a container every capability and every device, and switches off the AppArmor or SELinux profile and the seccomp filter that
          normally confine it. Such a container can load kernel modules, mount the host’s disks and rewrite them.
        </p>
        <p>Find the containers that run privileged and give each only what it really needs instead: one capability (<code>--cap-add</code>) or one device (<code>--device</code>).</p>
      </>
    ),
    checkFilter: (c) => /privileg/i.test(`${c.id} ${c.title}`),
  },
  modules: {
    lead: 'Every module the kernel can load is code any container can reach.',
    body: (
      <>
        <p>
          Containers use the host’s kernel, including every module it can load. Many are loaded on demand: opening a socket of a rare network protocol (DCCP, SCTP, RDS, TIPC)
          or mounting an unusual file system makes the kernel load the code for it, and old, little-used modules are where bugs hide.
        </p>
        <p>
          See what is loaded with <code>lsmod</code>. Block what the host does not need (<code>install MODULE /bin/false</code> in <code>/etc/modprobe.d</code>) and keep the
          modules that enforce security. Harden Lab proves each block with <code>modprobe -n -v</code>.
        </p>
      </>
    ),
  },
  lsm: {
    lead: 'Security modules confine what each process may do; kernel settings close leaks and risky features.',
    body: (
      <>
        <p>
          Linux Security Modules such as AppArmor, SELinux and TOMOYO add rules beyond file permissions: which files, capabilities and sockets each program may use. With
          AppArmor enabled, Docker confines every container with a default profile. Each framework has its own trade-offs; choose one and use it fully.
        </p>
        <p>
          Kernel settings (sysctl) then close what is left open by default: hide kernel addresses (<code>kernel.kptr_restrict</code>), keep the kernel log from ordinary users,
          turn off unprivileged BPF, protect hard and symbolic links. Harden Lab proves each value with <code>sysctl -n</code>.
        </p>
      </>
    ),
  },
  isolation: {
    lead: 'No host setting makes a shared kernel safe by itself. Stronger isolation puts another wall between containers and the host kernel.',
    body: (
      <>
        <p>
          <strong>gVisor</strong> (its runtime is <code>runsc</code>) implements the Linux system calls in a user-space kernel: containers talk to gVisor, and only gVisor
          talks to the host kernel, through a much smaller interface.
        </p>
        <p>
          <strong>Kata Containers</strong> run each container or pod inside a lightweight VM with its own kernel, so an escape lands in that VM rather than on the host.{' '}
          <strong>Nabla containers</strong> took a unikernel approach and cut the system calls a container may use down to a handful.
        </p>
        <p>
          These cost some speed and compatibility, and are worth it for code you do not trust. Keep an eye on them as they mature. And watch the host: hardening shrinks what an
          attacker can reach, monitoring (audit logs, runtime detection) tells you when someone tries.
        </p>
      </>
    ),
  },
};
