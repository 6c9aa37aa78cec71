import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHardenLabError } from '../errors';
import { labStatus, labUp } from './index';
import { labDriver, labExec, labExecOk, labTestContext } from './testing';
import type { HypervisorDriver, SnapshotList } from '../hypervisor/types';

/**
 * The QEMU driver against the real lab VM (TCG here): live snapshots over
 * QMP, the tree kept in snapshots.json, restore with one call, and the VM
 * seen from inside over SSH. Timings go to stderr for the report.
 */
const timings: Record<string, number> = {};
function time<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  return fn().finally(() => {
    timings[label] = (Date.now() - t) / 1000;
  });
}

/** Reconnects until a login works: the first SSH connection after a restore can take a moment. */
async function reconnect(): Promise<number> {
  const t = Date.now();
  for (let i = 0; i < 30; i++) {
    const r = await labExec(['true']);
    if (r.code === 0) return (Date.now() - t) / 1000;
    await new Promise((res) => setTimeout(res, 1000));
  }
  throw new Error('SSH did not come back after the restore');
}

const bootId = async () => (await labExecOk(['cat', '/proc/sys/kernel/random/boot_id'])).trim();

describe('QEMU driver on the real lab VM', () => {
  let d: HypervisorDriver;
  let vm: string;
  const made: string[] = [];

  beforeAll(async () => {
    const lab = labTestContext();
    d = labDriver();
    vm = lab.info.name;
    // Another file may have stopped it.
    await labUp({ name: vm, home: lab.home });
  });

  afterAll(async () => {
    const list = await d.listSnapshots(vm);
    for (const id of made) if (list.snapshots.some((s) => s.id === id)) await d.deleteSnapshot(vm, id);
    process.stderr.write(`[qemu driver timings, s] ${JSON.stringify(timings)}\n`);
  });

  it('knows the lab VM: running, with its SSH forward on 127.0.0.1', async () => {
    const lab = labTestContext();
    expect(await d.availability()).toMatchObject({ available: true, version: expect.stringMatching(/^\d+\.\d+/) });
    const info = await d.vmInfo(vm);
    expect(info).toEqual({ hypervisor: 'qemu', id: vm, name: vm, state: 'running', accessible: true, sshForward: { host: '127.0.0.1', port: lab.info.port } });
    expect((await d.listVms()).map((v) => v.name)).toContain(vm);
    const err = await d.vmInfo('no-such-lab').catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.code).toBe('VM_NOT_FOUND');
  });

  it('takes a live snapshot, restores it with one call, and after reconnecting the marker is gone', async () => {
    const marker = `/home/lab/hardenlab-marker-${Date.now()}`;
    const snap = await time('save', () => d.takeSnapshot(vm, 'before marker', { description: 'clean state before the marker' }));
    made.push(snap.id);
    expect(snap).toMatchObject({ name: 'before marker', description: 'clean state before the marker', live: true });

    await labExecOk(['sh', '-c', `echo here > ${marker} && sync`]);
    expect((await labExec(['test', '-e', marker])).code).toBe(0);

    await time('load', () => d.restoreSnapshot(vm, snap.id));
    timings.reconnect = await reconnect();
    expect((await labExec(['test', '-e', marker])).code).toBe(1);
    expect((await d.vmInfo(vm)).state).toBe('running');
    expect((await d.listSnapshots(vm)).currentId).toBe(snap.id);
  });

  it('lists the tree with parents and marks the current snapshot', async () => {
    const a = await d.takeSnapshot(vm, 'tree a');
    const b = await d.takeSnapshot(vm, 'tree b');
    made.push(a.id, b.id);
    expect(b.parentId).toBe(a.id);
    await d.restoreSnapshot(vm, 'tree a'); // by name
    const c = await d.takeSnapshot(vm, 'tree c', { description: 'a sibling of b' });
    made.push(c.id);

    let list: SnapshotList = await d.listSnapshots(vm);
    const byId = new Map(list.snapshots.map((s) => [s.id, s]));
    expect(byId.get(b.id)?.parentId).toBe(a.id);
    expect(byId.get(c.id)?.parentId).toBe(a.id);
    expect(list.currentId).toBe(c.id);

    await d.restoreSnapshot(vm, b.id);
    expect((await d.listSnapshots(vm)).currentId).toBe(b.id);

    // Deleting a hands its children to a's parent; the current one stays.
    await d.deleteSnapshot(vm, a.id);
    list = await d.listSnapshots(vm);
    expect(list.snapshots.some((s) => s.id === a.id)).toBe(false);
    expect(list.snapshots.find((s) => s.id === b.id)?.parentId).toBe(a.parentId);
    expect(list.snapshots.find((s) => s.id === c.id)?.parentId).toBe(a.parentId);
    expect(list.currentId).toBe(b.id);
  });

  it('refuses to restore a snapshot that does not exist, and changes nothing', async () => {
    const marker = `/home/lab/hardenlab-keep-${Date.now()}`;
    await labExecOk(['sh', '-c', `echo still-here > ${marker} && sync`]);
    const before = { list: await d.listSnapshots(vm), boot: await bootId(), pid: (await labStatus(vm)).pid };
    expect(before.pid).toBeGreaterThan(0);

    const err = await d.restoreSnapshot(vm, 'no such snapshot').catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.code).toBe('SNAPSHOT_NOT_FOUND');
    expect((err as Error).message).toContain('"no such snapshot"');

    expect((await d.vmInfo(vm)).state).toBe('running');
    expect((await labStatus(vm)).pid).toBe(before.pid);
    expect(await d.listSnapshots(vm)).toEqual(before.list);
    expect(await bootId()).toBe(before.boot);
    expect((await labExecOk(['cat', marker])).trim()).toBe('still-here');
  });

  it('stops the VM, handles snapshots while it is off, and a live snapshot restored then resumes with its memory', async () => {
    const snap = await d.takeSnapshot(vm, 'running state');
    made.push(snap.id);
    const bootAtSnapshot = await bootId();
    const marker = `/home/lab/hardenlab-after-${Date.now()}`;
    await labExecOk(['sh', '-c', `touch ${marker} && sync`]);

    await time('stop', () => d.stop(vm, { gracefulTimeoutMs: 120_000 }));
    expect((await d.vmInfo(vm)).state).toBe('stopped');
    await d.stop(vm); // already off: nothing to do

    // Off: the list comes from the disk (qemu-img), and a new snapshot holds no memory.
    const off = await d.takeSnapshot(vm, 'disk only', { description: 'taken while off' });
    expect(off.live).toBe(false);
    expect(off.parentId).toBe(snap.id);
    expect((await d.listSnapshots(vm)).snapshots.find((s) => s.id === off.id)).toMatchObject({ live: false, description: 'taken while off' });
    await d.deleteSnapshot(vm, off.id);
    expect((await d.listSnapshots(vm)).currentId).toBe(snap.id);

    await time('restoreWhileOff', () => d.restoreSnapshot(vm, snap.id));
    expect((await d.vmInfo(vm)).state).toBe('running');
    timings.reconnectAfterResume = await reconnect();
    // Same boot: the memory came back, not a fresh boot of the disk.
    expect(await bootId()).toBe(bootAtSnapshot);
    expect((await labExec(['test', '-e', marker])).code).toBe(1);
  });

  it('rejects names that are not snapshot names before doing anything', async () => {
    const err = await d.takeSnapshot(vm, "bad'name;reboot").catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.code).toBe('BAD_INPUT');
  });
});
