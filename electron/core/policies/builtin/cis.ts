import type { PolicyInput } from '../../../../shared/policy';

/**
 * CIS Debian Linux 12 Benchmark, Level 1 Server: the recommendations these
 * steps write (kernel modules 1.1.1 and 3.2, process hardening 1.5,
 * network parameters 3.3, sshd 5.1). Rule ids are the benchmark's numbers
 * (v1.1.0). Everything else of the benchmark (partitions, services, audit,
 * PAM, permissions) is outside what a trial here changes.
 */
const c = (id: string, rule: string) => ({ id, rule: `CIS Debian 12 ${rule}` });

export const CIS: PolicyInput = {
  name: 'cis-l1',
  version: 1,
  title: 'CIS Debian 12 Level 1 (the parts these steps cover)',
  description: 'CIS Level 1 Server for Debian 12, where these steps reach: unused file system and network modules, ASLR, ptrace and core dumps, the host-only network parameters, and the sshd settings.',
  source: { name: 'CIS Debian Linux 12 Benchmark v1.1.0, Level 1 - Server', url: 'https://www.cisecurity.org/benchmark/debian_linux', note: 'usb-storage (1.1.1.8) and squashfs (1.1.1.6) are Level 2 and left out; 3.3.11 (IPv6 router advertisements) has no setting in these steps.' },
  steps: [
    {
      step: 'modules',
      settings: [c('cramfs', '1.1.1.1'), c('freevxfs', '1.1.1.2'), c('hfs', '1.1.1.3'), c('hfsplus', '1.1.1.4'), c('jffs2', '1.1.1.5'), c('udf', '1.1.1.7'), c('dccp', '3.2.1'), c('tipc', '3.2.2'), c('rds', '3.2.3'), c('sctp', '3.2.4')],
    },
    {
      step: 'sysctl',
      settings: [
        c('kernel.randomize_va_space', '1.5.1'),
        c('kernel.yama.ptrace_scope', '1.5.2'),
        c('fs.suid_dumpable', '1.5.3'),
        c('net.ipv4.ip_forward', '3.3.1'),
        c('net.ipv4.conf.all.send_redirects', '3.3.2'),
        c('net.ipv4.conf.default.send_redirects', '3.3.2'),
        c('net.ipv4.icmp_ignore_bogus_error_responses', '3.3.3'),
        c('net.ipv4.icmp_echo_ignore_broadcasts', '3.3.4'),
        c('net.ipv4.conf.all.accept_redirects', '3.3.5'),
        c('net.ipv4.conf.default.accept_redirects', '3.3.5'),
        c('net.ipv6.conf.all.accept_redirects', '3.3.5'),
        c('net.ipv6.conf.default.accept_redirects', '3.3.5'),
        c('net.ipv4.conf.all.secure_redirects', '3.3.6'),
        c('net.ipv4.conf.default.secure_redirects', '3.3.6'),
        c('net.ipv4.conf.all.rp_filter', '3.3.7'),
        c('net.ipv4.conf.default.rp_filter', '3.3.7'),
        c('net.ipv4.conf.all.accept_source_route', '3.3.8'),
        c('net.ipv4.conf.default.accept_source_route', '3.3.8'),
        c('net.ipv6.conf.all.accept_source_route', '3.3.8'),
        c('net.ipv6.conf.default.accept_source_route', '3.3.8'),
        c('net.ipv4.conf.all.log_martians', '3.3.9'),
        c('net.ipv4.conf.default.log_martians', '3.3.9'),
        c('net.ipv4.tcp_syncookies', '3.3.10'),
      ],
    },
    {
      step: 'ssh',
      settings: [
        c('ssh.root-login', '5.1.20'),
        c('ssh.empty-passwords', '5.1.19'),
        c('ssh.max-auth-tries', '5.1.16'),
        c('ssh.x11-forwarding', '5.1.8'),
        c('ssh.login-grace-time', '5.1.13'),
        c('ssh.client-alive-interval', '5.1.7'),
        c('ssh.client-alive-count', '5.1.7'),
      ],
    },
    { step: 'root-account', rule: 'CIS Debian 12 5.4.2.x: root account access controlled' },
  ],
};
