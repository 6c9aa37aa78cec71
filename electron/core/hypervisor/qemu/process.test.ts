import { describe, expect, it } from 'vitest';
import { cmdlineIsVm, isPortConflict, parseQemuVersion } from './process';

describe('process helpers', () => {
  it('reads the QEMU version', () => {
    expect(parseQemuVersion('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n')).toBe('7.2.22');
    expect(parseQemuVersion('QEMU emulator version 9.1.0\n')).toBe('9.1.0');
    expect(parseQemuVersion('garbage')).toBeNull();
  });

  it('recognises our VM in /proc/PID/cmdline and nothing else (pids get reused)', () => {
    const disk = '/root/.local/share/hardenlab/labs/lab/disk.qcow2';
    const blockdev = JSON.stringify({ driver: 'qcow2', 'node-name': 'disk0', file: { driver: 'file', filename: disk } });
    const ours = ['/usr/bin/qemu-system-x86_64', '-name', 'hardenlab-lab', '-blockdev', blockdev, ''].join('\0');
    expect(cmdlineIsVm(ours, disk)).toBe(true);
    expect(cmdlineIsVm(ours, '/root/.local/share/hardenlab/labs/other/disk.qcow2')).toBe(false);
    expect(cmdlineIsVm(['/usr/bin/vim', disk, ''].join('\0'), disk)).toBe(false);
  });

  it('recognises a lost race for the forwarded port', () => {
    expect(isPortConflict("qemu-system-x86_64: -netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22: Could not set up host forwarding rule 'tcp:127.0.0.1:2222-:22'")).toBe(true);
    expect(isPortConflict('qemu-system-x86_64: Could not open disk.qcow2: No such file or directory')).toBe(false);
  });
});
