import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile';
import { MemorySecretStore } from '../secrets/memory-store';
import { connect } from '../ssh/connection';
import { ConnectionManager } from '../ssh/manager';
import { generateKey, tempDir } from '../ssh/testing/local-tools';
import { canIsolateHosts, canRunSshd, ensureTestUser, LocalSshd, TEST_USER, whyNoSshd } from '../ssh/testing/local-sshd';
import { ManagedConnections } from './ssh-connections';

if (!canRunSshd) console.warn(`[offeredAuthMethods integration] skipped: ${whyNoSshd}`);

/** A name only the jump host resolves: the target cannot be reached from here without it. */
const BEHIND_JUMP = 'hl-behind-jump';

describe.skipIf(!canRunSshd || !canIsolateHosts())('offeredAuthMethods over the SSH layer (two local sshds)', () => {
  let target: LocalSshd;
  let jump: LocalSshd;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let manager: ConnectionManager;
  let connections: ManagedConnections;
  let knownHostsPath: string;
  let base: Omit<Profile, 'host' | 'port'>;
  const secrets = new MemorySecretStore();

  beforeAll(async () => {
    await ensureTestUser();
    // The target offers publickey only; the jump host also password: an answer from the wrong one shows.
    target = await LocalSshd.start({ extraConfig: ['PasswordAuthentication no', 'ListenAddress ::1'] });
    jump = await LocalSshd.start({ resolve: { [BEHIND_JUMP]: '127.0.0.1' } });
    dir = await tempDir('hl-offered-');
    const key = await generateKey(dir.path, 'client');
    await target.authorize(TEST_USER, key.publicText);
    await jump.authorize(TEST_USER, key.publicText);
    // The jump hop is checked against known_hosts (a pin names the target only).
    knownHostsPath = join(dir.path, 'known_hosts');
    await writeFile(knownHostsPath, `[127.0.0.1]:${jump.port} ${jump.hostKeyText}\n`);
    manager = new ConnectionManager({ secrets, knownHostsPath, connectTimeoutMs: 10_000 });
    connections = new ManagedConnections(manager);
    base = { name: 'behind', user: TEST_USER, auth: { kind: 'key', keyPath: key.privatePath }, pinnedHostKey: target.hostKeyText, elevation: 'auto', origin: 'manual' };
  });
  afterAll(async () => {
    await manager?.closeAll();
    await target?.dispose();
    await jump?.dispose();
    await dir?.cleanup();
  });

  const viaJump = (host: string): Profile => ({ ...base, host, port: target.port, proxyJump: `${TEST_USER}@127.0.0.1:${jump.port}` });

  it('the target behind the jump host cannot be reached directly (what makes the next test mean something)', async () => {
    const { proxyJump: _, ...direct } = viaJump(BEHIND_JUMP);
    await expect(connect(direct, { secrets, knownHostsPath, timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('asks the target through the jump host, and gets the target’s methods, not the jump host’s', async () => {
    const profile = viaJump(BEHIND_JUMP);
    expect(await connections.offeredAuthMethods(profile, 'root')).toEqual(['publickey']);
    const jumpItself: Profile = { ...base, name: 'jump', host: '127.0.0.1', port: jump.port, pinnedHostKey: jump.hostKeyText };
    expect(await connections.offeredAuthMethods(jumpItself, 'root')).toEqual(['publickey', 'password']);
  });

  it('an IPv6 literal in brackets works, directly and through the jump host', async () => {
    const direct: Profile = { ...base, name: 'v6', host: '[::1]', port: target.port };
    expect(await connections.offeredAuthMethods(direct, 'root')).toEqual(['publickey']);
    expect(await connections.offeredAuthMethods({ ...viaJump('[::1]'), name: 'v6-jump' }, 'root')).toEqual(['publickey']);
  });

  it('checks the target’s host key as a login does: a wrong pin is refused', async () => {
    const wrong: Profile = { ...viaJump(BEHIND_JUMP), name: 'wrong-pin', pinnedHostKey: jump.hostKeyText };
    await expect(connections.offeredAuthMethods(wrong, 'root')).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
  });
});
