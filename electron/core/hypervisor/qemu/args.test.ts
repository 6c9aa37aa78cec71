import { describe, expect, it } from 'vitest';
import { buildQemuArgv, chooseQmpSocketPath, qemuOptValue, type QemuLaunchSpec } from './args';

const spec: QemuLaunchSpec = {
  name: 'lab',
  disk: '/home/op/.local/share/hardenlab/labs/lab/disk.qcow2',
  diskNode: 'disk0',
  accel: 'tcg',
  memoryMiB: 1024,
  cpus: 2,
  sshPort: 40022,
  qmpSocket: '/home/op/.local/share/hardenlab/labs/lab/qmp.sock',
  pidFile: '/home/op/.local/share/hardenlab/labs/lab/qemu.pid',
  serialLog: '/home/op/.local/share/hardenlab/labs/lab/console.log',
  fwCfg: [{ name: 'opt/hardenlab/authorized_keys', file: '/home/op/.local/share/hardenlab/labs/lab/secrets/authorized_keys' }],
  daemonize: true,
};

describe('buildQemuArgv', () => {
  it('builds the exact command line for a TCG lab VM', () => {
    expect(buildQemuArgv(spec)).toEqual([
      '-name',
      'hardenlab-lab',
      '-nodefaults',
      '-no-user-config',
      '-machine',
      'q35',
      '-accel',
      'tcg,thread=multi',
      '-cpu',
      'max',
      '-m',
      '1024',
      '-smp',
      '2',
      '-display',
      'none',
      '-chardev',
      'file,id=serial0,path=/home/op/.local/share/hardenlab/labs/lab/console.log',
      '-serial',
      'chardev:serial0',
      '-chardev',
      'socket,id=qmp0,path=/home/op/.local/share/hardenlab/labs/lab/qmp.sock,server=on,wait=off',
      '-mon',
      'chardev=qmp0,mode=control',
      '-blockdev',
      '{"driver":"qcow2","node-name":"disk0","discard":"unmap","file":{"driver":"file","filename":"/home/op/.local/share/hardenlab/labs/lab/disk.qcow2","node-name":"disk0-file","discard":"unmap"}}',
      '-device',
      'virtio-blk-pci,drive=disk0,bootindex=0',
      '-netdev',
      'user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22',
      '-device',
      'virtio-net-pci,netdev=net0',
      '-object',
      'rng-random,id=rng0,filename=/dev/urandom',
      '-device',
      'virtio-rng-pci,rng=rng0',
      '-boot',
      'menu=off',
      '-fw_cfg',
      'name=opt/hardenlab/authorized_keys,file=/home/op/.local/share/hardenlab/labs/lab/secrets/authorized_keys',
      '-pidfile',
      '/home/op/.local/share/hardenlab/labs/lab/qemu.pid',
      '-daemonize',
    ]);
  });

  it('uses KVM with the host CPU when KVM was chosen', () => {
    const argv = buildQemuArgv({ ...spec, accel: 'kvm' });
    expect(argv[argv.indexOf('-accel') + 1]).toBe('kvm');
    expect(argv[argv.indexOf('-cpu') + 1]).toBe('host');
  });

  it('forwards SSH on 127.0.0.1 only', () => {
    const netdev = buildQemuArgv(spec)[buildQemuArgv(spec).indexOf('-netdev') + 1];
    expect(netdev).toMatch(/hostfwd=tcp:127\.0\.0\.1:40022-:22$/);
  });

  it('resumes a snapshot with -loadvm and can stay in the foreground', () => {
    const argv = buildQemuArgv({ ...spec, loadvm: 'hl-abc-1234', daemonize: false });
    expect(argv.slice(argv.indexOf('-loadvm'), argv.indexOf('-loadvm') + 2)).toEqual(['-loadvm', 'hl-abc-1234']);
    expect(argv).not.toContain('-daemonize');
  });

  it('escapes commas in paths inside QEMU options, and only there', () => {
    const odd = '/home/o,p/labs/my lab/';
    const argv = buildQemuArgv({
      ...spec,
      disk: `${odd}disk.qcow2`,
      qmpSocket: `${odd}qmp.sock`,
      serialLog: `${odd}console.log`,
      pidFile: `${odd}qemu.pid`,
      fwCfg: [{ name: 'opt/hardenlab/x', file: `${odd}x` }],
    });
    expect(argv).toContain('file,id=serial0,path=/home/o,,p/labs/my lab/console.log');
    expect(argv).toContain('socket,id=qmp0,path=/home/o,,p/labs/my lab/qmp.sock,server=on,wait=off');
    expect(argv).toContain('name=opt/hardenlab/x,file=/home/o,,p/labs/my lab/x');
    // JSON -blockdev and -pidfile take the path as is.
    expect(JSON.parse(argv[argv.indexOf('-blockdev') + 1]!).file.filename).toBe('/home/o,p/labs/my lab/disk.qcow2');
    expect(argv[argv.indexOf('-pidfile') + 1]).toBe('/home/o,p/labs/my lab/qemu.pid');
  });

  it('refuses fw_cfg names QEMU would reject and impossible ports', () => {
    expect(() => buildQemuArgv({ ...spec, fwCfg: [{ name: 'etc/hardenlab', file: '/x' }] })).toThrow(/opt\/NAME/);
    expect(() => buildQemuArgv({ ...spec, fwCfg: [{ name: `opt/${'a'.repeat(60)}`, file: '/x' }] })).toThrow();
    expect(() => buildQemuArgv({ ...spec, sshPort: 0 })).toThrow(/port/);
  });

  it('qemuOptValue doubles commas', () => {
    expect(qemuOptValue('a,b,,c')).toBe('a,,b,,,,c');
  });
});

describe('chooseQmpSocketPath', () => {
  it('keeps the socket in the instance directory when the path fits in sun_path', () => {
    expect(chooseQmpSocketPath('/root/.local/share/hardenlab/labs/lab', '/tmp/hardenlab-0', 'k')).toBe('/root/.local/share/hardenlab/labs/lab/qmp.sock');
  });
  it('moves it to the short runtime directory when it would not', () => {
    const long = `/home/${'x'.repeat(80)}/.local/share/hardenlab/labs/lab`;
    expect(chooseQmpSocketPath(long, '/tmp/hardenlab-1000', '0123456789abcdef')).toBe('/tmp/hardenlab-1000/0123456789abcdef.qmp');
  });
  it('counts bytes, not characters', () => {
    const dir = `/home/${'é'.repeat(45)}`; // 90 bytes + "/qmp.sock"
    expect(chooseQmpSocketPath(dir, '/run/user/1000/hardenlab-1000', 'k')).toBe('/run/user/1000/hardenlab-1000/k.qmp');
  });
});
