import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile';
import type { HardenLabError } from '../errors';
import { MemorySecretStore } from '../secrets/memory-store';
import { sha256Fingerprint } from './host-key';
import { ConnectionManager, type ConnectionStateEvent } from './manager';
import { sshCheck } from './ssh-check';
import { generateKey, tempDir, type GeneratedKey } from './testing/local-tools';
import { canRunSshd, ensureTestUser, LocalSshd, TEST_USER, whyNoSshd } from './testing/local-sshd';

if (!canRunSshd) console.warn(`[ssh integration] skipped: ${whyNoSshd}`);

describe.skipIf(!canRunSshd)('ConnectionManager, waitForSsh and ssh-check against a real sshd', () => {
  let sshd: LocalSshd;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let key: GeneratedKey;
  let profile: Profile;

  beforeAll(async () => {
    await ensureTestUser();
    sshd = await LocalSshd.start();
    dir = await tempDir('hl-mgr-');
    key = await generateKey(dir.path, 'client');
    await sshd.authorize(TEST_USER, key.publicText);
    profile = { name: 'lab', host: '127.0.0.1', port: sshd.port, user: TEST_USER, auth: { kind: 'key', keyPath: key.privatePath }, elevation: 'auto', origin: 'manual' };
  });
  afterAll(async () => {
    await sshd?.dispose();
    await dir?.cleanup();
  });

  const manager = (prompts: string[] = [], events: ConnectionStateEvent[] = []) =>
    new ConnectionManager({
      secrets: new MemorySecretStore(),
      knownHostsPath: join(dir.path, `kh-${Math.random().toString(36).slice(2)}`),
      prompter: async (r) => (prompts.push(r.fingerprint), 'trust-once'),
      connectTimeoutMs: 5_000,
      onState: (e) => events.push(e),
    });

  it('hands out one shared connection, also to concurrent callers', async () => {
    const prompts: string[] = [];
    const m = manager(prompts);
    const [a, b] = await Promise.all([m.get(profile), m.get(profile)]);
    expect(a).toBe(b);
    expect(await m.get(profile)).toBe(a);
    expect(prompts).toHaveLength(1);
    expect(m.status()).toEqual([{ profile: 'lab', state: 'connected', since: expect.any(String) }]);
    // A changed profile (another port, say) means a new connection.
    const tight = await m.get({ ...profile, elevation: 'none' });
    expect(tight).not.toBe(a);
    expect(a.closed).toBe(true);
    await m.closeAll();
  });

  it('notices a dropped connection and reconnects on the next use without asking again (trust-once lasts the session)', async () => {
    const prompts: string[] = [];
    const events: ConnectionStateEvent[] = [];
    const m = manager(prompts, events);
    const a = await m.get(profile);
    expect(a.hostKey.status).toBe('trusted-once');
    await sshd.dropConnections();
    for (let i = 0; i < 250 && !a.closed; i++) await new Promise((r) => setTimeout(r, 20));
    expect(a.closed).toBe(true);
    // sshd killing its sessions reaches us as a clean close or as a reset, depending on timing: both are a loss, neither a handshake failure.
    const lost = events.map((e) => `${e.state}:${e.message ?? ''}`).filter((t) => t.startsWith('disconnected:'));
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(/^disconnected:The connection to 127\.0\.0\.1 was lost(: 127\.0\.0\.1:\d+ reset the connection)?\.$/);
    const b = await m.get(profile);
    expect(b).not.toBe(a);
    expect(b.hostKey.status).toBe('trusted-once');
    expect(prompts).toHaveLength(1);
    await m.closeAll();
  });

  it('waitForSsh: rides out an sshd outage with backoff and reconnects (the host key is checked again)', async () => {
    const m = manager();
    const first = await m.get({ ...profile, pinnedHostKey: sshd.hostKeyText });
    await sshd.stop();
    const progress: number[] = [];
    const t0 = Date.now();
    setTimeout(() => void sshd.launch(), 2_000);
    const conn = await m.waitForSsh({ ...profile, pinnedHostKey: sshd.hostKeyText }, { deadlineMs: 30_000, onProgress: (p) => progress.push(p.attempt) });
    const took = Date.now() - t0;
    expect(first.closed).toBe(true);
    expect(conn.closed).toBe(false);
    expect(conn.hostKey.status).toBe('pinned');
    expect((await conn.exec(['echo', 'back'])).stdout).toBe('back\n');
    expect(progress.length).toBeGreaterThan(2);
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(2_000 + 5_000 + 2_000);
    console.log(`[measure] waitForSsh: sshd down 2.0 s, back after ${took} ms in ${progress.length} tries`);
    await m.closeAll();
  });

  it('waitForSsh gives up at its deadline (TIMEOUT) and fails at once on a changed host key', async () => {
    const m = manager();
    await sshd.stop();
    const t0 = Date.now();
    const err = (await m.waitForSsh(profile, { deadlineMs: 1_500 }).catch((e) => e)) as HardenLabError;
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toContain('did not accept SSH within');
    expect(Date.now() - t0).toBeLessThan(4_000);
    const oldKey = sshd.hostKeyText;
    await sshd.newHostKey();
    await sshd.launch();
    const t1 = Date.now();
    await expect(m.waitForSsh({ ...profile, pinnedHostKey: oldKey }, { deadlineMs: 30_000 })).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
    expect(Date.now() - t1).toBeLessThan(3_000);
    await m.closeAll();
  });

  it('ssh-check reports host key, login method, elevation, OS and kernel', async () => {
    const m = manager();
    const r = await sshCheck({ ...profile, pinnedHostKey: sshd.hostKeyText }, { manager: m });
    expect(r).toMatchObject({
      profile: 'lab',
      hostKey: { keyType: 'ssh-ed25519', fingerprint: sha256Fingerprint(sshd.hostKey.blob), status: 'pinned' },
      authMethod: 'publickey',
      elevation: 'none',
    });
    expect(r.os).toMatch(/Debian|Linux/);
    expect(r.kernel).toMatch(/^\d+\.\d+/);
    console.log(`[measure] ssh-check: ${r.durationMs} ms (connect ${r.connectMs} ms)`);
    // The connection stays for the next caller.
    expect(m.current('lab')).toBeDefined();
    await m.closeAll();
    // Without a manager it connects and closes by itself.
    const r2 = await sshCheck({ ...profile, pinnedHostKey: sshd.hostKeyText }, { secrets: new MemorySecretStore(), knownHostsPath: join(dir.path, 'kh-check') });
    expect(r2.hostKey.status).toBe('pinned');
  });

  it('forgetHostKey is the explicit way past a changed key', async () => {
    const m = new ConnectionManager({ secrets: new MemorySecretStore(), knownHostsPath: join(dir.path, 'kh-forget'), prompter: async () => 'trust-remember', connectTimeoutMs: 5_000 });
    await m.get(profile);
    await m.closeAll();
    await sshd.restart({ newHostKey: true });
    await expect(m.get(profile)).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
    expect((await m.forgetHostKey('127.0.0.1', sshd.port)).removed).toBe(1);
    const c = await m.get(profile);
    expect(c.hostKey.status).toBe('remembered');
    await m.closeAll();
  });
});
