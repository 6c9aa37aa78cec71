import type { SshForward, VmState } from '../types';
import type { VirtualBoxDriver } from './driver';
import type { VBoxVmDetails } from './parse';

/**
 * "Use my VirtualBox VM": what the first-run screen pre-fills in a new
 * profile. The decision (suggestConnection) is pure; discoverVirtualBoxSsh
 * only gathers its inputs through the driver.
 */
export interface SshConnectSuggestion {
  host: string;
  port: number;
  /** nat-forward: a NAT rule to guest port 22; guest-ip: the address Guest Additions report, on a bridged or host-only adapter. */
  via: 'nat-forward' | 'guest-ip';
}

export interface VirtualBoxProfileDraft {
  /** A valid profile name derived from the VM name. */
  name: string;
  host?: string;
  port?: number;
  /** The VM by UUID, so a rename in VirtualBox does not break the profile. */
  hypervisor: { kind: 'virtualbox'; vm: string };
  origin: 'virtualbox';
}

export interface VirtualBoxSshDiscovery {
  vm: { id: string; name: string; state: VmState };
  sshForward: SshForward | null;
  /** IPv4 addresses the guest reports (Guest Additions, VM running); empty otherwise. */
  guestIps: string[];
  connect: SshConnectSuggestion | null;
  profile: VirtualBoxProfileDraft;
  /** Plain sentences for the UI: what is missing and how to fix it. */
  notes: string[];
}

import { profileNameFor } from '../../../../shared/profile-name';

export { profileNameFor };

/** Addresses of VirtualBox's NAT (10.0.2.0/24 by default) and link-local ones are not reachable from the host. */
function reachableFromHost(ip: string): boolean {
  return !ip.startsWith('10.0.2.') && !ip.startsWith('169.254.') && ip !== '127.0.0.1' && ip !== '';
}

export function suggestConnection(details: VBoxVmDetails, guestIps: readonly string[]): { connect: SshConnectSuggestion | null; notes: string[] } {
  const notes: string[] = [];
  const firstNat = details.nics.find((n) => n.attachment === 'nat');
  const sshRule = details.forwards.find((f) => f.protocol === 'tcp' && f.guestPort === 22);

  let connect: SshConnectSuggestion | null = null;
  if (details.sshForward) {
    connect = { ...details.sshForward, via: 'nat-forward' };
    if (sshRule && (sshRule.hostIp === '' || sshRule.hostIp === '0.0.0.0')) {
      notes.push(
        `The SSH forward "${sshRule.name}" listens on every network interface of this computer, so others on your network can reach the VM's SSH. Binding it to 127.0.0.1 keeps it local.`,
      );
    }
  } else {
    const reachable = guestIps.find(reachableFromHost);
    const hasDirectNic = details.nics.some((n) => n.attachment === 'bridged' || n.attachment === 'hostonly' || n.attachment === 'hostonlynetwork');
    if (reachable && hasDirectNic) connect = { host: reachable, port: 22, via: 'guest-ip' };
    if (firstNat) {
      notes.push(
        `No NAT rule forwards to the guest's port 22. With the VM powered off, add one: VBoxManage modifyvm ${details.id} --natpf${firstNat.nic} "ssh,tcp,127.0.0.1,2222,,22" and connect to 127.0.0.1 port 2222.`,
      );
    }
    if (!connect && hasDirectNic && guestIps.length === 0) {
      notes.push(
        details.state === 'running'
          ? "The guest reports no IP address: VirtualBox Guest Additions are not running in it. Enter the VM's address yourself (`ip -4 addr` inside the VM)."
          : 'Start the VM to learn its address (reported by VirtualBox Guest Additions), or enter it yourself.',
      );
    }
    if (!connect && !firstNat && !hasDirectNic) {
      notes.push('This VM has no NAT, bridged or host-only network adapter, so it cannot be reached over SSH from this computer.');
    }
  }
  return { connect, notes };
}

export async function discoverVirtualBoxSsh(driver: VirtualBoxDriver, vm: string): Promise<VirtualBoxSshDiscovery> {
  const details = await driver.inspect(vm);
  // Guest Additions only report addresses while the guest runs.
  const guestIps = details.state === 'running' ? await driver.guestIPv4Addresses(details.id) : [];
  const { connect, notes } = suggestConnection(details, guestIps);
  const profile: VirtualBoxProfileDraft = {
    name: profileNameFor(details.name),
    hypervisor: { kind: 'virtualbox', vm: details.id },
    origin: 'virtualbox',
  };
  if (connect) {
    profile.host = connect.host;
    profile.port = connect.port;
  }
  return {
    vm: { id: details.id, name: details.name, state: details.state },
    sshForward: details.sshForward,
    guestIps,
    connect,
    profile,
    notes,
  };
}
