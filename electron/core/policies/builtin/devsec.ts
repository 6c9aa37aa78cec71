import type { PolicyInput } from '../../../../shared/policy';

/**
 * dev-sec's os-hardening and ssh-hardening (the Ansible collection and the
 * linux-baseline / ssh-baseline InSpec profiles that test it): the sysctl,
 * module and sshd settings of theirs that these steps write. Rule ids are
 * the baselines' control ids. Settings of theirs with no step here (TCP
 * timestamps, ARP, ICMP rate limits, ciphers and MACs) are named in the note.
 */
const sys = (id: string, control: string) => ({ id, rule: `linux-baseline ${control}` });

export const DEVSEC: PolicyInput = {
  name: 'devsec',
  version: 1,
  title: 'dev-sec os + ssh hardening',
  description: 'The network and kernel sysctls, the blocked file systems and key-only SSH of dev-sec\u2019s os-hardening and ssh-hardening roles.',
  source: {
    name: 'dev-sec ansible-collection-hardening (os_hardening, ssh_hardening), linux-baseline, ssh-baseline',
    url: 'https://github.com/dev-sec/ansible-collection-hardening',
    note: 'Not covered by these steps: net.ipv4.tcp_timestamps, arp_ignore/arp_announce, icmp_ratelimit, the ciphers, MACs and key exchange lists of ssh-hardening.',
  },
  steps: [
    {
      step: 'sysctl',
      settings: [
        sys('net.ipv4.ip_forward', 'sysctl-01'),
        sys('net.ipv4.conf.all.rp_filter', 'sysctl-02'),
        sys('net.ipv4.conf.default.rp_filter', 'sysctl-02'),
        sys('net.ipv4.icmp_ignore_bogus_error_responses', 'sysctl-03'),
        sys('net.ipv4.icmp_echo_ignore_broadcasts', 'sysctl-04'),
        sys('net.ipv4.tcp_rfc1337', 'sysctl-10'),
        sys('net.ipv4.tcp_syncookies', 'sysctl-11'),
        sys('net.ipv4.conf.all.accept_source_route', 'sysctl-13'),
        sys('net.ipv4.conf.default.accept_source_route', 'sysctl-13'),
        sys('net.ipv4.conf.all.accept_redirects', 'sysctl-14'),
        sys('net.ipv4.conf.default.accept_redirects', 'sysctl-14'),
        sys('net.ipv4.conf.all.secure_redirects', 'sysctl-15'),
        sys('net.ipv4.conf.default.secure_redirects', 'sysctl-15'),
        sys('net.ipv4.conf.all.send_redirects', 'sysctl-16'),
        sys('net.ipv4.conf.default.send_redirects', 'sysctl-16'),
        sys('net.ipv4.conf.all.log_martians', 'sysctl-17'),
        sys('net.ipv6.conf.all.accept_redirects', 'sysctl-25'),
        sys('net.ipv6.conf.default.accept_redirects', 'sysctl-25'),
        sys('kernel.sysrq', 'sysctl-30'),
        sys('fs.suid_dumpable', 'sysctl-31a'),
        sys('kernel.randomize_va_space', 'sysctl-32'),
        sys('fs.protected_hardlinks', 'os-hardening fs.protected_hardlinks'),
        sys('fs.protected_symlinks', 'os-hardening fs.protected_symlinks'),
      ],
    },
    {
      step: 'modules',
      rule: 'linux-baseline os-10: unused file systems disabled',
      settings: ['cramfs', 'freevxfs', 'jffs2', 'hfs', 'hfsplus', 'squashfs', 'udf'].map((id) => ({ id, rule: 'linux-baseline os-10' })),
    },
    {
      step: 'ssh',
      settings: [
        { id: 'ssh.root-login', rule: 'ssh-baseline sshd-38' },
        { id: 'ssh.password-auth', rule: 'ssh-baseline sshd-21' },
        { id: 'ssh.kbd-interactive', rule: 'ssh-baseline sshd-20' },
        { id: 'ssh.empty-passwords', rule: 'ssh-baseline sshd-23' },
        { id: 'ssh.pubkey-auth', rule: 'ssh-baseline sshd-17' },
        { id: 'ssh.max-auth-tries', rule: 'ssh-baseline sshd-25' },
        { id: 'ssh.x11-forwarding', rule: 'ssh-baseline sshd-33' },
        { id: 'ssh.agent-forwarding', rule: 'ssh-baseline sshd-31' },
        { id: 'ssh.tcp-forwarding', rule: 'ssh-baseline sshd-32' },
        { id: 'ssh.client-alive-interval', rule: 'ssh-baseline sshd-12' },
        { id: 'ssh.client-alive-count', rule: 'ssh-baseline sshd-13' },
      ],
    },
  ],
};
