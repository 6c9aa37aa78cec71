import { describe, expect, it } from 'vitest';
import { CHANNELS, EVENTS } from './channels';
import { contract, eventContract } from './contract';
import { allowListedInvoke } from './bridge';

describe('the contract', () => {
  it('has exactly one schema pair per channel name and one schema per event', () => {
    expect(Object.keys(contract).sort()).toEqual([...CHANNELS].sort());
    expect(Object.keys(eventContract).sort()).toEqual([...EVENTS].sort());
  });

  it('accepts valid requests', () => {
    expect(contract['app.info'].req.safeParse({}).success).toBe(true);
    expect(contract['snapshots.take'].req.safeParse({ profile: 'lab', name: 'before ssh 2026-11-29', description: 'baseline' }).success).toBe(true);
    expect(contract['terminal.resize'].req.safeParse({ terminalId: 't1', cols: 120, rows: 40 }).success).toBe(true);
    expect(contract['ssh.hostKeyAnswer'].req.safeParse({ promptId: 'p-1', decision: 'trust-remember' }).success).toBe(true);
    const saved = contract['profiles.save'].req.safeParse({
      profile: { name: 'alpine', host: '127.0.0.1', port: 2222, user: 'admin', auth: { kind: 'key', keyPath: '/home/me/.ssh/id_ed25519' } },
    });
    expect(saved.success).toBe(true);
    // Defaults are applied by parsing, so handlers always see a complete profile.
    expect(saved.data?.profile.elevation).toBe('auto');
  });

  it('rejects unknown keys, wrong types and hostile names', () => {
    expect(contract['app.info'].req.safeParse({ extra: 1 }).success).toBe(false);
    expect(contract['snapshots.take'].req.safeParse({ profile: 'lab', name: 'x; rm -rf /' }).success).toBe(false);
    expect(contract['snapshots.take'].req.safeParse({ profile: 'lab', name: '$(reboot)' }).success).toBe(false);
    expect(contract['snapshots.take'].req.safeParse({ profile: '../etc', name: 'ok' }).success).toBe(false);
    expect(contract['terminal.resize'].req.safeParse({ terminalId: 't1', cols: '120', rows: 40 }).success).toBe(false);
    expect(contract['terminal.resize'].req.safeParse({ terminalId: 't1', cols: 100000, rows: 40 }).success).toBe(false);
    expect(contract['terminal.write'].req.safeParse({ terminalId: 't1', data: 'x'.repeat(65537) }).success).toBe(false);
    expect(contract['ssh.hostKeyAnswer'].req.safeParse({ promptId: 'p-1', decision: 'yes' }).success).toBe(false);
    expect(contract['steps.plan'].req.safeParse({ profile: 'lab', step: 'SSH;reboot' }).success).toBe(false);
    expect(
      contract['profiles.save'].req.safeParse({ profile: { name: 'a', host: 'evil host', port: 22, user: 'root', auth: { kind: 'agent' } } }).success,
    ).toBe(false);
    expect(
      contract['profiles.save'].req.safeParse({ profile: { name: 'a', host: 'h', port: 70000, user: 'root', auth: { kind: 'agent' } } }).success,
    ).toBe(false);
    expect(contract['profiles.save'].req.safeParse(null).success).toBe(false);
  });

  it('validates replies too', () => {
    expect(contract['profiles.delete'].res.safeParse({ deleted: true }).success).toBe(true);
    expect(contract['profiles.delete'].res.safeParse({ deleted: 'yes' }).success).toBe(false);
    expect(contract['snapshots.list'].res.safeParse({ snapshots: [{ id: 'a', name: 'A', description: '', parentId: null }], currentId: 'a' }).success).toBe(true);
    expect(contract['snapshots.list'].res.safeParse({ snapshots: [{ id: 'a' }], currentId: null }).success).toBe(false);
  });

  it('validates event payloads', () => {
    expect(eventContract.progress.safeParse({ opId: 'o', phase: 'snapshot', message: 'taking', at: new Date().toISOString() }).success).toBe(true);
    expect(eventContract.progress.safeParse({ opId: 'o', phase: 'snapshot', message: 'taking', percent: 140, at: 'x' }).success).toBe(false);
    expect(eventContract['hostKey.prompt'].safeParse({ promptId: 'p', host: 'h', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', expiresAt: 'x' }).success).toBe(true);
  });
});

describe('allowListedInvoke', () => {
  it('forwards contract channels with their request, and refuses any other name before the transport', async () => {
    const calls: Array<[string, unknown]> = [];
    const invoke = allowListedInvoke(async (channel, req) => {
      calls.push([channel, req]);
      return { ok: true, value: null };
    });
    await invoke('snapshots.take', { profile: 'lab', name: 'x' });
    await invoke('app.info', {});
    const refused = await (invoke as unknown as (c: string, r: unknown) => Promise<{ ok: boolean; error?: { code: string } }>)('__proto__', {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(calls).toEqual([
      ['snapshots.take', { profile: 'lab', name: 'x' }],
      ['app.info', {}],
    ]);
  });
});
