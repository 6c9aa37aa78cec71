import { describe, expect, it } from 'vitest';
import { isValidName } from '../../../../shared/names';
import { discoverVirtualBoxSsh, profileNameFor, suggestConnection } from './discover';
import { VirtualBoxDriver } from './driver';
import { fixture } from './fixtures/load';
import { fakeClock, scriptedRunner, type ScriptStep } from './fixtures/script';
import { parseShowVmInfo } from './parse';

const D = '5c3a9f0e-7b2d-4e61-9a8c-2f1d6b0e4a77';
const KALI = '0e9d1c2b-3a4f-4b5c-8d6e-7f8091a2b3c4';
const UBUNTU = 'a1b2c3d4-e5f6-4711-8a9b-0c1d2e3f4a5b';
const ALPINE = '3d2c1b0a-9f8e-4d7c-b6a5-948372615041';
const listVms: ScriptStep = { args: ['list', 'vms'], stdout: fixture('list-vms.txt') };
const prop = (id: string, name: string, file: string): ScriptStep => ({ args: ['guestproperty', 'get', id, name], stdout: fixture(file) });

function driverFor(steps: ScriptStep[]) {
  const script = scriptedRunner(steps);
  return { script, driver: new VirtualBoxDriver({ runner: script.runner, vboxManagePath: '/usr/bin/VBoxManage', clock: fakeClock() }) };
}

describe('profileNameFor', () => {
  it('makes a valid profile name from any VM name', () => {
    expect(profileNameFor('Debian 12 lab')).toBe('Debian-12-lab');
    expect(profileNameFor('Kali "rolling" {test}')).toBe('Kali-rolling-test');
    expect(profileNameFor('  --weird--  ')).toBe('weird');
    expect(profileNameFor('"""')).toBe('virtualbox-vm');
    const long = profileNameFor('x'.repeat(39) + ' y');
    expect(long).toBe('x'.repeat(39));
    for (const n of ['Debian 12 lab', 'Kali "rolling" {test}', 'é', 'a'.repeat(100)]) expect(isValidName('profile', profileNameFor(n))).toBe(true);
  });
});

describe('suggestConnection', () => {
  it('prefers the NAT forward and warns when it listens on every interface', () => {
    const d = parseShowVmInfo(fixture('showvminfo-running-nat.stdout'))!;
    const s = suggestConnection(d, ['10.0.2.15', '192.168.56.101']);
    expect(s.connect).toEqual({ host: '127.0.0.1', port: 2222, via: 'nat-forward' });
    expect(s.notes).toEqual([
      'The SSH forward "ssh" listens on every network interface of this computer, so others on your network can reach the VM\'s SSH. Binding it to 127.0.0.1 keeps it local.',
    ]);
  });

  it('uses a reachable guest address on a bridged adapter', () => {
    const d = parseShowVmInfo(fixture('showvminfo-ubuntu-bridged.stdout'))!;
    expect(suggestConnection(d, ['192.168.1.57']).connect).toEqual({ host: '192.168.1.57', port: 22, via: 'guest-ip' });
    expect(suggestConnection(d, []).notes[0]).toContain('Guest Additions are not running');
  });

  it('never suggests the NAT-internal address and says how to add a forward', () => {
    const d = parseShowVmInfo(fixture('showvminfo-alpine-nat-noforward.stdout'))!;
    const s = suggestConnection(d, ['10.0.2.15']);
    expect(s.connect).toBeNull();
    expect(s.notes).toEqual([
      `No NAT rule forwards to the guest's port 22. With the VM powered off, add one: VBoxManage modifyvm ${ALPINE} --natpf1 "ssh,tcp,127.0.0.1,2222,,22" and connect to 127.0.0.1 port 2222.`,
    ]);
  });
});

describe('discoverVirtualBoxSsh', () => {
  it('pre-fills a profile for a running VM with a forward and reads guest addresses', async () => {
    const { driver, script } = driverFor([
      listVms,
      { args: ['showvminfo', D, '--machinereadable'], stdout: fixture('showvminfo-running-nat.stdout') },
      listVms,
      prop(D, '/VirtualBox/GuestInfo/Net/Count', 'guestproperty-count.stdout'),
      prop(D, '/VirtualBox/GuestInfo/Net/0/V4/IP', 'guestproperty-ip.stdout'),
      prop(D, '/VirtualBox/GuestInfo/Net/1/V4/IP', 'guestproperty-ip-hostonly.stdout'),
    ]);
    const found = await discoverVirtualBoxSsh(driver, 'Debian 12 lab');
    expect(script.pending()).toEqual([]);
    expect(found.vm).toEqual({ id: D, name: 'Debian 12 lab', state: 'running' });
    expect(found.sshForward).toEqual({ host: '127.0.0.1', port: 2222 });
    expect(found.guestIps).toEqual(['10.0.2.15', '192.168.56.101']);
    expect(found.connect).toEqual({ host: '127.0.0.1', port: 2222, via: 'nat-forward' });
    expect(found.profile).toEqual({
      name: 'Debian-12-lab',
      host: '127.0.0.1',
      port: 2222,
      hypervisor: { kind: 'virtualbox', vm: D },
      origin: 'virtualbox',
    });
  });

  it('finds the forward on the second NAT adapter of a powered-off VM without asking for guest addresses', async () => {
    const { driver, script } = driverFor([listVms, { args: ['showvminfo', KALI, '--machinereadable'], stdout: fixture('showvminfo-kali-two-nat.stdout') }]);
    const found = await discoverVirtualBoxSsh(driver, KALI);
    expect(script.calls).toHaveLength(2);
    expect(found.connect).toEqual({ host: '127.0.0.1', port: 3022, via: 'nat-forward' });
    expect(found.notes).toEqual([]);
    expect(found.profile.name).toBe('Kali-rolling-test');
  });

  it('handles a VM without Guest Additions ("No value set!")', async () => {
    const { driver } = driverFor([
      listVms,
      { args: ['showvminfo', UBUNTU, '--machinereadable'], stdout: fixture('showvminfo-ubuntu-bridged.stdout') },
      listVms,
      prop(UBUNTU, '/VirtualBox/GuestInfo/Net/Count', 'guestproperty-none.stdout'),
    ]);
    const found = await discoverVirtualBoxSsh(driver, 'Ubuntu 22.04 server');
    expect(found.guestIps).toEqual([]);
    expect(found.connect).toBeNull();
    expect(found.profile).toEqual({ name: 'Ubuntu-22.04-server', hypervisor: { kind: 'virtualbox', vm: UBUNTU }, origin: 'virtualbox' });
    expect(found.notes[0]).toContain('Guest Additions');
  });
});
