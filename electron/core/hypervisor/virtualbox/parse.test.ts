import { describe, expect, it } from 'vitest';
import { fixture } from './fixtures/load';
import {
  canPowerOff,
  connectAddress,
  isNoSnapshotsOutput,
  isOfflineState,
  mapVmState,
  normalizeUuid,
  parseForwardingRule,
  parseMachineReadable,
  parseProgressPercents,
  parseShowVmInfo,
  parseSnapshotList,
  parseSnapshotTaken,
  parseVBoxError,
  parseVersion,
  parseVmList,
  pickSshForward,
  startvmReportedSuccess,
  firstValue,
} from './parse';

const DEBIAN = '5c3a9f0e-7b2d-4e61-9a8c-2f1d6b0e4a77';
const S = {
  fresh: '7e0b6a1c-2f3d-4c5b-9a8e-1d2c3b4a5f60',
  beforeSsh: 'c4d5e6f7-0819-4a2b-8c3d-4e5f60718293',
  noRoot: '2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901',
  kernel: '8a9b0c1d-2e3f-4051-a6b7-c8d9e0f1a2b3',
  sysctl: '5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f',
  hi: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
  preStep: '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e',
};

describe('parseVmList', () => {
  it('reads names with spaces, quotes and braces, and marks the inaccessible VM', () => {
    expect(parseVmList(fixture('list-vms.txt'))).toEqual([
      { name: 'Debian 12 lab', id: DEBIAN, accessible: true },
      { name: 'Kali "rolling" {test}', id: '0e9d1c2b-3a4f-4b5c-8d6e-7f8091a2b3c4', accessible: true },
      { name: 'Ubuntu 22.04 server', id: 'a1b2c3d4-e5f6-4711-8a9b-0c1d2e3f4a5b', accessible: true },
      { name: '<inaccessible>', id: '9f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b', accessible: false },
      { name: 'alpine-sandbox', id: '3d2c1b0a-9f8e-4d7c-b6a5-948372615041', accessible: true },
    ]);
  });

  it('reads list runningvms the same way, and nothing from empty output or noise', () => {
    expect(parseVmList(fixture('list-runningvms.txt')).map((v) => v.name)).toEqual(['Debian 12 lab', 'Kali "rolling" {test}']);
    expect(parseVmList('')).toEqual([]);
    expect(parseVmList('WARNING: The vboxdrv kernel module is not loaded.\n"x" {not-a-uuid}\n')).toEqual([]);
  });

  it('accepts CRLF and upper-case UUIDs (returned lower case)', () => {
    expect(parseVmList('"Win VM" {0E9D1C2B-3A4F-4B5C-8D6E-7F8091A2B3C4}\r\n')).toEqual([
      { name: 'Win VM', id: '0e9d1c2b-3a4f-4b5c-8d6e-7f8091a2b3c4', accessible: true },
    ]);
  });
});

describe('normalizeUuid', () => {
  it('accepts bare and braced UUIDs only', () => {
    expect(normalizeUuid('{5C3A9F0E-7B2D-4E61-9A8C-2F1D6B0E4A77}')).toBe(DEBIAN);
    expect(normalizeUuid(DEBIAN)).toBe(DEBIAN);
    expect(normalizeUuid('Debian 12 lab')).toBeNull();
    expect(normalizeUuid(`${DEBIAN}x`)).toBeNull();
  });
});

describe('parseMachineReadable', () => {
  const entries = parseMachineReadable(fixture('showvminfo-running-nat.stdout'));

  it('unescapes quoted keys and values, and keeps bare numbers', () => {
    expect(firstValue(entries, 'SATA-0-0')).toBe(
      '/home/ana/VirtualBox VMs/labs/Debian 12 lab/Snapshots/{b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d0e}.vdi',
    );
    expect(firstValue(entries, 'memory')).toBe('2048');
    expect(firstValue(entries, 'teleporteraddress')).toBe('');
  });

  it('reads an escaped value that spans two lines', () => {
    expect(firstValue(entries, 'description')).toBe('Lab VM for "Harden Lab" tests.\nShared notes live in C:\\labs\\debian');
  });

  it('survives the quirk lines and reads the entries after them', () => {
    expect(firstValue(entries, 'VideoMode')).toBe('1024,768,32');
    expect(firstValue(entries, 'VRDEClients')).toBe('=0');
    expect(firstValue(entries, 'rec_screen_enabled')).toBe('on');
    expect(entries.some((e) => e.key.includes('rec_screen0'))).toBe(false);
    expect(firstValue(entries, 'GuestMemoryBalloon')).toBe('0');
    expect(firstValue(entries, 'GuestAdditionsFacility_VirtualBox Base Driver')).toBe('50,1764321250123');
  });

  it('keeps repeated keys in order', () => {
    const kali = parseMachineReadable(fixture('showvminfo-kali-two-nat.stdout'));
    expect(kali.filter((e) => e.key === 'Forwarding(0)').map((e) => e.value)).toEqual([
      'dns-test,udp,,5322,,22',
      'ssh,tcp,127.0.0.1,3022,,22',
    ]);
  });

  it('reads raw (unescaped) snapshot values with quotes, braces, trailing backslash and newlines', () => {
    expect(firstValue(entries, 'SnapshotName-2')).toBe('say "hi" {braces}');
    expect(firstValue(entries, 'SnapshotDescription-2')).toBe('Path: C:\\lab\\notes\\');
    expect(firstValue(entries, 'SnapshotDescription-1')).toBe(
      'Taken by Harden Lab before step ssh-hardening.\nPlan: PasswordAuthentication no; PermitRootLogin no\nNotes: "keys first" rule checked',
    );
    expect(firstValue(entries, 'SnapshotName-1-1')).toBe('after sshd: no root login');
  });

  it('decodes an escaped value that ends in a backslash', () => {
    const kali = parseMachineReadable(fixture('showvminfo-kali-two-nat.stdout'));
    expect(firstValue(kali, 'name')).toBe('Kali "rolling" {test}');
    expect(firstValue(kali, 'description')).toBe('Scratch box, "do not" expose it.\\');
    expect(firstValue(kali, 'GuestMemoryBalloon')).toBe('0');
    expect(firstValue(kali, 'CfgFile')).toBe('C:\\Users\\ana\\VirtualBox VMs\\Kali _rolling_ {test}\\Kali _rolling_ {test}.vbox');
  });

  it('keeps an unterminated value at the end of the output instead of failing', () => {
    expect(parseMachineReadable('name="lab"\ndescription="never closed\nsecond line\n')).toEqual([
      { key: 'name', value: 'lab' },
      { key: 'description', value: 'never closed\nsecond line' },
    ]);
    expect(parseMachineReadable('SnapshotName="a"\nSnapshotDescription="raw, never closed\n')).toEqual([
      { key: 'SnapshotName', value: 'a' },
      { key: 'SnapshotDescription', value: 'raw, never closed' },
    ]);
  });
});

describe('VM state words', () => {
  it('maps every short state VBoxManage prints', () => {
    expect(mapVmState('poweroff')).toBe('stopped');
    expect(mapVmState('saved')).toBe('saved');
    expect(mapVmState('aborted')).toBe('aborted');
    expect(mapVmState('aborted-saved')).toBe('aborted');
    expect(mapVmState('running')).toBe('running');
    expect(mapVmState('paused')).toBe('paused');
    expect(mapVmState('gurumeditation')).toBe('paused');
    expect(mapVmState('starting')).toBe('starting');
    expect(mapVmState('stopping')).toBe('stopping');
    expect(mapVmState('saving')).toBe('saving');
    expect(mapVmState('livesnapshotting')).toBe('saving');
    expect(mapVmState('restoring')).toBe('restoring');
    expect(mapVmState('restoringsnapshot')).toBe('restoring');
    expect(mapVmState('teleported')).toBe('stopped');
    expect(mapVmState('something-new')).toBe('unknown');
    expect(mapVmState(null)).toBe('unknown');
  });

  it('knows which states allow a restore and which can be powered off now', () => {
    for (const s of ['poweroff', 'saved', 'aborted', 'aborted-saved', 'teleported']) expect(isOfflineState(s)).toBe(true);
    for (const s of ['running', 'paused', 'stopping', 'starting', 'gurumeditation', 'livesnapshotting', null]) expect(isOfflineState(s)).toBe(false);
    for (const s of ['running', 'paused', 'gurumeditation']) expect(canPowerOff(s)).toBe(true);
    for (const s of ['stopping', 'starting', 'saving', 'poweroff']) expect(canPowerOff(s)).toBe(false);
  });
});

describe('NAT forwards', () => {
  it('parses a rule, splitting from the right', () => {
    expect(parseForwardingRule('ssh,tcp,,2222,,22', 1)).toEqual({
      nic: 1,
      name: 'ssh',
      protocol: 'tcp',
      hostIp: '',
      hostPort: 2222,
      guestIp: '',
      guestPort: 22,
    });
    expect(parseForwardingRule('odd,name,tcp,127.0.0.1,2022,10.0.2.15,22', 2)?.name).toBe('odd,name');
    expect(parseForwardingRule('x,tcp,,,,22', 1)).toBeNull();
    expect(parseForwardingRule('garbage', 1)).toBeNull();
  });

  it('reports loopback for a rule bound to every interface', () => {
    expect(connectAddress('')).toBe('127.0.0.1');
    expect(connectAddress('0.0.0.0')).toBe('127.0.0.1');
    expect(connectAddress('::')).toBe('::1');
    expect(connectAddress('192.168.1.20')).toBe('192.168.1.20');
  });

  it('picks TCP to guest port 22, preferring loopback or all-interface rules', () => {
    const rules = [
      parseForwardingRule('ssh-lan,tcp,192.168.1.20,2200,,22', 1)!,
      parseForwardingRule('udp22,udp,,5322,,22', 1)!,
      parseForwardingRule('ssh,tcp,,2222,,22', 1)!,
    ];
    expect(pickSshForward(rules)).toEqual({ host: '127.0.0.1', port: 2222 });
    expect(pickSshForward([rules[0]!])).toEqual({ host: '192.168.1.20', port: 2200 });
    expect(pickSshForward([rules[1]!])).toBeNull();
    expect(pickSshForward([])).toBeNull();
  });
});

describe('parseShowVmInfo', () => {
  it('reads a running VM with several forwarding rules and a second adapter', () => {
    const info = parseShowVmInfo(fixture('showvminfo-running-nat.stdout'))!;
    expect(info.id).toBe(DEBIAN);
    expect(info.name).toBe('Debian 12 lab');
    expect(info.accessible).toBe(true);
    expect(info.rawState).toBe('running');
    expect(info.state).toBe('running');
    expect(info.nics.slice(0, 3)).toEqual([
      { nic: 1, attachment: 'nat' },
      { nic: 2, attachment: 'hostonly' },
      { nic: 3, attachment: 'none' },
    ]);
    expect(info.forwards.map((f) => `${f.nic}:${f.name}`)).toEqual(['1:http', '1:ssh', '1:syslog', '1:ssh-lan']);
    expect(info.sshForward).toEqual({ host: '127.0.0.1', port: 2222 });
  });

  it('attributes Forwarding lines to the adapter printed before them', () => {
    const info = parseShowVmInfo(fixture('showvminfo-kali-two-nat.stdout'))!;
    expect(info.name).toBe('Kali "rolling" {test}');
    expect(info.state).toBe('stopped');
    expect(info.forwards.map((f) => [f.nic, f.name])).toEqual([
      [1, 'dns-test'],
      [1, 'web'],
      [2, 'ssh'],
    ]);
    expect(info.sshForward).toEqual({ host: '127.0.0.1', port: 3022 });
  });

  it('accepts the quoted-key form "Forwarding(0)"= as well', () => {
    const text = 'name="q"\nUUID="5c3a9f0e-7b2d-4e61-9a8c-2f1d6b0e4a77"\nVMState="running"\nnic1="nat"\n"Forwarding(0)"="ssh,tcp,127.0.0.1,2022,,22"\n';
    expect(parseShowVmInfo(text)!.sshForward).toEqual({ host: '127.0.0.1', port: 2022 });
  });

  it('has no SSH forward for a bridged VM or a NAT VM without rules', () => {
    expect(parseShowVmInfo(fixture('showvminfo-ubuntu-bridged.stdout'))!.sshForward).toBeNull();
    const alpine = parseShowVmInfo(fixture('showvminfo-alpine-nat-noforward.stdout'))!;
    expect(alpine.forwards).toEqual([]);
    expect(alpine.sshForward).toBeNull();
  });

  it('reads the other states', () => {
    expect(parseShowVmInfo(fixture('showvminfo-saved-nat.stdout'))!.state).toBe('saved');
    expect(parseShowVmInfo(fixture('showvminfo-poweroff-nat.stdout'))!.rawState).toBe('poweroff');
    expect(parseShowVmInfo(fixture('showvminfo-aborted-nat.stdout'))!.state).toBe('aborted');
    expect(parseShowVmInfo(fixture('showvminfo-stopping-nat.stdout'))!.state).toBe('stopping');
  });

  it('reads an inaccessible VM', () => {
    expect(parseShowVmInfo(fixture('showvminfo-inaccessible.stdout'))).toEqual({
      id: '9f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b',
      name: '<inaccessible>',
      accessible: false,
      rawState: null,
      state: 'unknown',
      nics: [],
      forwards: [],
      sshForward: null,
      description: '',
    });
  });

  it('returns null for text that is not showvminfo output', () => {
    expect(parseShowVmInfo(fixture('showvminfo-not-found.stderr'))).toBeNull();
    expect(parseShowVmInfo('')).toBeNull();
  });
});

describe('parseSnapshotList', () => {
  it('flattens a nested tree with parents and finds the current snapshot deep in it', () => {
    const list = parseSnapshotList(fixture('snapshot-list-nested.stdout'));
    expect(list.currentId).toBe(S.kernel);
    expect(list.snapshots.map((s) => [s.name, s.id, s.parentId])).toEqual([
      ['Fresh install', S.fresh, null],
      ['before ssh hardening', S.beforeSsh, S.fresh],
      ['after sshd: no root login', S.noRoot, S.beforeSsh],
      ['kernel 6.1.0-56', S.kernel, S.noRoot],
      ['sysctl try', S.sysctl, S.beforeSsh],
      ['say "hi" {braces}', S.hi, S.fresh],
    ]);
    const byId = new Map(list.snapshots.map((s) => [s.id, s]));
    expect(byId.get(S.fresh)!.description).toBe('Debian 12 minimal, as installed from netinst.');
    expect(byId.get(S.beforeSsh)!.description).toBe(
      'Taken by Harden Lab before step ssh-hardening.\nPlan: PasswordAuthentication no; PermitRootLogin no\nNotes: "keys first" rule checked',
    );
    expect(byId.get(S.noRoot)!.description).toBe('');
    expect(byId.get(S.hi)!.description).toBe('Path: C:\\lab\\notes\\');
  });

  it('reads a single snapshot that is current, and CRLF output', () => {
    expect(parseSnapshotList(fixture('snapshot-list-single.stdout'))).toEqual({
      snapshots: [{ id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', name: 'clean', description: '', parentId: null }],
      currentId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    });
    const after = parseSnapshotList(fixture('snapshot-list-after-take.crlf.stdout'));
    expect(after.currentId).toBe(S.preStep);
    expect(after.snapshots.find((s) => s.id === S.preStep)).toEqual({
      id: S.preStep,
      name: 'pre-step ssh',
      description: 'before: PermitRootLogin no',
      parentId: S.kernel,
    });
    expect(after.snapshots.find((s) => s.id === S.beforeSsh)!.description).toContain('\nPlan: ');
    expect(after.snapshots.find((s) => s.id === S.hi)!.name).toBe('say "hi" {braces}');
  });

  it('gives an empty list for "no snapshots" output', () => {
    const none = fixture('snapshot-list-none.stdout');
    expect(isNoSnapshotsOutput(none)).toBe(true);
    expect(isNoSnapshotsOutput(fixture('snapshot-list-single.stdout'))).toBe(false);
    expect(parseSnapshotList(none)).toEqual({ snapshots: [], currentId: null });
  });

  it('falls back to CurrentSnapshotNode when the UUID line is missing', () => {
    const text = fixture('snapshot-list-nested.stdout').replace(/^CurrentSnapshotUUID=.*\n/m, '');
    expect(parseSnapshotList(text).currentId).toBe(S.kernel);
  });

  it('reads the snapshot section of showvminfo the same way', () => {
    const list = parseSnapshotList(fixture('showvminfo-running-nat.stdout'));
    expect(list.snapshots).toHaveLength(6);
    expect(list.currentId).toBe(S.kernel);
  });
});

describe('small outputs', () => {
  it('reads the UUID of a new snapshot', () => {
    expect(parseSnapshotTaken(fixture('take-ok.stdout'))).toBe(S.preStep);
    expect(parseSnapshotTaken('Schnappschuss erstellt. {6B7C8D9E-0F1A-4B2C-9D3E-4F5A6B7C8D9E}\n')).toBe(S.preStep);
    expect(parseSnapshotTaken('')).toBeNull();
  });

  it('reads progress percentages, also from partial text', () => {
    expect(parseProgressPercents(fixture('take-ok.stderr'))).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(parseProgressPercents('0%...10%...2')).toEqual([0, 10]);
    expect(parseProgressPercents('0%...1')).toEqual([0]);
    expect(parseProgressPercents('Restoring: 0%...')).toEqual([0]);
    expect(parseProgressPercents(fixture('take-disk-full.stderr'))).toEqual([0, 10, 20]);
  });

  it('recognises the startvm success line', () => {
    expect(startvmReportedSuccess(fixture('startvm-ok.stdout'))).toBe(true);
    expect(startvmReportedSuccess('VM "say "hi"" has been successfully started.\r\n')).toBe(true);
    expect(startvmReportedSuccess(fixture('startvm-kernel-driver.stdout'))).toBe(false);
  });

  it('reads the version after warning lines', () => {
    expect(parseVersion(fixture('version.stdout'))).toBe('7.1.4r165100');
    expect(parseVersion('WARNING: The vboxdrv kernel module is not loaded.\n6.1.50_Debianr161033\n')).toBe('6.1.50_Debianr161033');
    expect(parseVersion('')).toBeNull();
  });
});

describe('parseVBoxError', () => {
  it('reads message, code and context of a missing VM', () => {
    expect(parseVBoxError(fixture('showvminfo-not-found.stderr'))).toEqual({
      messages: ["Could not find a registered machine named 'nope'"],
      code: 'VBOX_E_OBJECT_NOT_FOUND',
      hresult: '0x80bb0001',
      component: 'VirtualBoxWrap',
      context: 'FindMachine(Bstr(VMNameOrUuid).raw(), machine.asOutParam())',
    });
  });

  it('reads the running-VM restore refusal', () => {
    const r = parseVBoxError(fixture('restore-running-refused.stderr'));
    expect(r.code).toBe('VBOX_E_INVALID_VM_STATE');
    expect(r.messages).toEqual(['Cannot delete the current state of the running machine (machine state: Running)']);
    expect(r.context).toMatch(/^RestoreSnapshot\(/);
  });

  it('reads a failed progress (6.x "Progress state:" and 7.x bare code)', () => {
    const old = parseVBoxError(fixture('take-disk-full.stderr'));
    expect(old.code).toBe('E_FAIL');
    expect(old.messages[0]).toBe('Failed to take snapshot');
    expect(old.messages[1]).toContain('VERR_DISK_FULL');
    expect(parseVBoxError('0%...\nVBOX_E_INVALID_VM_STATE\nVBoxManage: error: Snapshot operation failed\n').code).toBe('VBOX_E_INVALID_VM_STATE');
  });

  it('reads errors without a Details line and with another program name', () => {
    expect(parseVBoxError(fixture('controlvm-not-running.stderr'))).toMatchObject({
      messages: ["Machine 'Debian 12 lab' is not currently running"],
      code: null,
    });
    expect(parseVBoxError('VBoxManage.exe: error: Something\n').messages).toEqual(['Something']);
    expect(parseVBoxError('').messages).toEqual([]);
  });
});
