import { describe, expect, it } from 'vitest';
import { classifyCommand, restartArgv } from './classify';

describe('what a plan command means', () => {
  it('recognises the commands the steps plan', () => {
    expect(classifyCommand(['/usr/sbin/sshd', '-t'])).toEqual({ kind: 'validate-sshd' });
    expect(classifyCommand(['systemctl', 'reload', 'ssh'])).toEqual({ kind: 'service', manager: 'systemd', name: 'ssh', action: 'reload' });
    expect(classifyCommand(['systemctl', 'reload-or-restart', 'ssh'])).toMatchObject({ kind: 'service', action: 'restart' });
    expect(classifyCommand(['rc-service', 'sshd', 'reload'])).toEqual({ kind: 'service', manager: 'openrc', name: 'sshd', action: 'reload' });
    expect(classifyCommand(['passwd', '-l', 'root'])).toEqual({ kind: 'lock-root' });
    expect(classifyCommand(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', 'kmod'])).toEqual({ kind: 'packages', names: ['kmod'] });
    expect(classifyCommand(['apk', 'add', 'kmod'])).toEqual({ kind: 'packages', names: ['kmod'] });
    expect(classifyCommand(['sysctl', '-p', '/etc/sysctl.d/90.conf'])).toEqual({ kind: 'other', argv: ['sysctl', '-p', '/etc/sysctl.d/90.conf'], optional: false });
    expect(classifyCommand(['modprobe', '-r', 'cramfs'])).toMatchObject({ kind: 'other', optional: true });
  });

  it('a service name that could carry a second command is no service', () => {
    expect(classifyCommand(['systemctl', 'reload', 'ssh;reboot'])).toMatchObject({ kind: 'other' });
    expect(classifyCommand(['systemctl', 'reload', '-ssh'])).toMatchObject({ kind: 'other' });
    expect(classifyCommand(['systemctl', 'stop', 'ssh'])).toMatchObject({ kind: 'other' });
    expect(classifyCommand(['apt-get', 'install', '--only-upgrade', 'linux-image-amd64'])).toMatchObject({ kind: 'other' });
  });

  it('restarts a service so that one which died starts again', () => {
    expect(restartArgv({ manager: 'systemd', name: 'ssh' })).toEqual(['systemctl', 'reload-or-restart', 'ssh']);
    expect(restartArgv({ manager: 'openrc', name: 'sshd' })).toEqual(['rc-service', 'sshd', 'restart']);
  });
});
