import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile';
import { HardenLabError } from '../errors';
import { run } from '../proc';
import { MemorySecretStore } from '../secrets/memory-store';
import { connect, type ConnectOptions } from './connection';
import { parsePublicKeyText, sha256Fingerprint } from './host-key';
import type { HostKeyPromptRequest } from './host-key-verifier';
import { KnownHostsStore } from './known-hosts-store';
import { generateKey, tempDir, type GeneratedKey } from './testing/local-tools';
import { canRunSshd, ensureTestUser, LocalSshd, TEST_PASSWORD, TEST_USER, whyNoSshd } from './testing/local-sshd';

if (!canRunSshd) console.warn(`[ssh integration] skipped: ${whyNoSshd}`);

describe.skipIf(!canRunSshd)('connect() against a real OpenSSH sshd on 127.0.0.1', () => {
  let sshd: LocalSshd;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let key: GeneratedKey;
  let otherKey: GeneratedKey;
  let encKey: GeneratedKey;
  let secrets: MemorySecretStore;

  beforeAll(async () => {
    await ensureTestUser();
    sshd = await LocalSshd.start();
    dir = await tempDir('hl-conn-');
    key = await generateKey(dir.path, 'client');
    otherKey = await generateKey(dir.path, 'stranger');
    encKey = await generateKey(dir.path, 'client-enc', 'ed25519', 'key passphrase 1');
    await sshd.authorize(TEST_USER, `${key.publicText}\n${encKey.publicText}`);
    secrets = new MemorySecretStore();
    await secrets.set('pw', 'password', TEST_PASSWORD);
  });
  afterAll(async () => {
    await sshd?.dispose();
    await dir?.cleanup();
  });

  const profile = (over: Partial<Profile> = {}): Profile => ({
    name: 'pw',
    host: '127.0.0.1',
    port: sshd.port,
    user: TEST_USER,
    auth: { kind: 'password' },
    elevation: 'auto',
    origin: 'manual',
    ...over,
  });
  let khCounter = 0;
  const freshKnownHosts = () => join(dir.path, `known_hosts_${++khCounter}`);
  const opts = (over: Partial<ConnectOptions> = {}): ConnectOptions => ({ secrets, knownHostsPath: freshKnownHosts(), timeoutMs: 10_000, ...over });

  describe('host keys', () => {
    it('an unknown key prompts with host, type and the ssh-keygen fingerprint; cancel aborts (HOST_KEY_REJECTED)', async () => {
      const asked: HostKeyPromptRequest[] = [];
      const err = await connect(profile(), opts({ prompter: async (r) => (asked.push(r), 'cancel') })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HardenLabError);
      expect((err as HardenLabError).code).toBe('HOST_KEY_REJECTED');
      expect(asked).toHaveLength(1);
      const fp = sha256Fingerprint(sshd.hostKey.blob);
      expect(asked[0]).toMatchObject({ host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519', fingerprint: fp });
      const keygen = await new Promise<string>((resolve) => {
        const p = spawn('ssh-keygen', ['-lf', sshd.hostKeyPath + '.pub']);
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.on('close', () => resolve(out));
      });
      expect(keygen).toContain(fp);
    });

    it('an unanswered prompt is a cancel after the configured time', async () => {
      const t0 = Date.now();
      await expect(connect(profile(), opts({ promptTimeoutMs: 300, prompter: () => new Promise(() => undefined) }))).rejects.toMatchObject({ code: 'HOST_KEY_REJECTED' });
      expect(Date.now() - t0).toBeLessThan(5_000);
    });

    it('the time spent on the prompt does not count against the connect timeout', async () => {
      const conn = await connect(profile(), opts({ timeoutMs: 3_000, prompter: () => new Promise((r) => setTimeout(() => r('trust-once'), 3_500)) }));
      expect(conn.hostKey.status).toBe('trusted-once');
      await conn.close();
    });

    it('trust-remember writes known_hosts (readable by ssh-keygen); the second connect does not prompt', async () => {
      const kh = freshKnownHosts();
      let prompts = 0;
      const prompter = async () => (prompts++, 'trust-remember' as const);
      const c1 = await connect(profile(), opts({ knownHostsPath: kh, prompter }));
      expect(c1.hostKey.status).toBe('remembered');
      await c1.close();
      const c2 = await connect(profile(), opts({ knownHostsPath: kh, prompter }));
      expect(c2.hostKey.status).toBe('trusted');
      await c2.close();
      expect(prompts).toBe(1);
      expect(await readFile(kh, 'utf8')).toContain(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyText.split(' ').slice(0, 2).join(' ')}`);
    });

    it('a pinned key (lab VM) is trusted without a prompt', async () => {
      const conn = await connect(profile({ pinnedHostKey: sshd.hostKeyText }), opts({ prompter: async () => { throw new Error('must not prompt'); } }));
      expect(conn.hostKey.status).toBe('pinned');
      await conn.close();
    });

    it('a changed host key is refused with both fingerprints and the removal command; no prompt; forgetting it is the way through', async () => {
      const kh = freshKnownHosts();
      const oldText = sshd.hostKeyText;
      const c = await connect(profile(), opts({ knownHostsPath: kh, prompter: async () => 'trust-remember' }));
      await c.close();
      await sshd.restart({ newHostKey: true });
      let prompted = false;
      const err = (await connect(profile(), opts({ knownHostsPath: kh, prompter: async () => ((prompted = true), 'trust-remember') })).catch((e) => e)) as HardenLabError;
      expect(prompted).toBe(false);
      expect(err.code).toBe('HOST_KEY_CHANGED');
      expect(err.message).toContain(sha256Fingerprint(parsePublicKeyText(oldText)!.blob));
      expect(err.message).toContain(sha256Fingerprint(sshd.hostKey.blob));
      expect(err.hint).toContain(`ssh-keygen -f ${kh} -R '[127.0.0.1]:${sshd.port}'`);
      // The pinned key of the old VM is refused as well.
      await expect(connect(profile({ pinnedHostKey: oldText }), opts())).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
      expect((await new KnownHostsStore({ file: kh }).remove('127.0.0.1', sshd.port)).removed).toBe(1);
      const again = await connect(profile(), opts({ knownHostsPath: kh, prompter: async () => 'trust-once' }));
      expect(again.hostKey.status).toBe('trusted-once');
      await again.close();
    });

    it('without a prompter an unknown key is HOST_KEY_UNKNOWN', async () => {
      await expect(connect(profile(), opts())).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
    });
  });

  describe('logins', () => {
    const pinned = () => ({ pinnedHostKey: sshd.hostKeyText });

    it('password login works and reports its method', async () => {
      const conn = await connect(profile(pinned()), opts());
      expect(conn.authMethod).toBe('password');
      expect((await conn.exec(['id', '-un'])).stdout).toBe(`${TEST_USER}\n`);
      await conn.close();
    });

    it('a wrong password and a wrong key fail with distinct clear AUTH_FAILED errors', async () => {
      const wrong = new MemorySecretStore();
      await wrong.set('pw', 'password', 'not the password');
      const pwErr = (await connect(profile(pinned()), opts({ secrets: wrong })).catch((e) => e)) as HardenLabError;
      expect(pwErr.code).toBe('AUTH_FAILED');
      expect(pwErr.detail).toBe('password');
      expect(pwErr.message).toBe(`The server refused the password for ${TEST_USER}@127.0.0.1:${sshd.port}.`);

      const keyErr = (await connect(profile({ ...pinned(), name: 'k', auth: { kind: 'key', keyPath: otherKey.privatePath } }), opts()).catch((e) => e)) as HardenLabError;
      expect(keyErr.code).toBe('AUTH_FAILED');
      expect(keyErr.detail).toBe('publickey');
      expect(keyErr.message).toContain(`refused the key ${otherKey.privatePath} (ssh-ed25519 SHA256:`);
      expect(keyErr.message).not.toBe(pwErr.message);
      expect(keyErr.hint).toContain('authorized_keys');
    });

    it('key login works; an encrypted key asks for its passphrase (SECRET_REQUIRED) and then works', async () => {
      const conn = await connect(profile({ ...pinned(), name: 'k', auth: { kind: 'key', keyPath: key.privatePath } }), opts());
      expect(conn.authMethod).toBe('publickey');
      await conn.close();
      const s = new MemorySecretStore();
      const p = profile({ ...pinned(), name: 'enc', auth: { kind: 'key', keyPath: encKey.privatePath } });
      await expect(connect(p, opts({ secrets: s }))).rejects.toMatchObject({ code: 'SECRET_REQUIRED', detail: 'passphrase' });
      await s.set('enc', 'passphrase', 'key passphrase 1');
      const c2 = await connect(p, opts({ secrets: s }));
      expect((await c2.exec(['true'])).code).toBe(0);
      await c2.close();
    });

    it('ssh-agent login through SSH_AUTH_SOCK', async () => {
      const sock = join(dir.path, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
        const add = await run('ssh-add', [key.privatePath], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
        expect(add.code).toBe(0);
        const conn = await connect(profile({ ...pinned(), name: 'ag', auth: { kind: 'agent' } }), opts({ env: { SSH_AUTH_SOCK: sock } }));
        expect(conn.authMethod).toBe('agent');
        await conn.close();
        // An agent without the right key is refused as such.
        await run('ssh-add', ['-D'], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
        await expect(connect(profile({ ...pinned(), name: 'ag', auth: { kind: 'agent' } }), opts({ env: { SSH_AUTH_SOCK: sock } }))).rejects.toMatchObject({ code: 'AUTH_FAILED', detail: 'agent' });
      } finally {
        agent.kill();
      }
    });
  });

  describe('reaching the server', () => {
    it('refused and timed-out connects are CONNECT_FAILED with different details', async () => {
      const closedPort = await (async () => {
        const s = await LocalSshd.start();
        const p = s.port;
        await s.dispose();
        return p;
      })();
      const refused = (await connect(profile({ port: closedPort }), opts()).catch((e) => e)) as HardenLabError;
      expect(refused).toMatchObject({ code: 'CONNECT_FAILED', detail: 'refused' });
      // A listener that never speaks SSH: the handshake times out.
      const silent = createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      const port = (silent.address() as { port: number }).port;
      const t0 = Date.now();
      const timedOut = (await connect(profile({ port }), opts({ timeoutMs: 800 })).catch((e) => e)) as HardenLabError;
      silent.close();
      expect(timedOut).toMatchObject({ code: 'CONNECT_FAILED', detail: 'timeout' });
      expect(Date.now() - t0).toBeLessThan(3_000);
    });

    it('an abort signal cancels a connect', async () => {
      const ctrl = new AbortController();
      const p = connect(profile(), opts({ signal: ctrl.signal, prompter: () => new Promise(() => undefined) }));
      setTimeout(() => ctrl.abort(), 200);
      await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    });

    it('ProxyJump: through a jump host (the same sshd) with both host keys checked', async () => {
      const kh = freshKnownHosts();
      const prompts: string[] = [];
      const conn = await connect(
        profile({ proxyJump: `${TEST_USER}@127.0.0.1:${sshd.port}` }),
        opts({ knownHostsPath: kh, prompter: async (r) => (prompts.push(`${r.host}:${r.port}`), 'trust-remember') }),
      );
      expect((await conn.exec(['printf', '%s', 'via jump'])).stdout).toBe('via jump');
      // Same host:port for both hops here, so the second hop found the key the first one remembered.
      expect(prompts).toEqual([`127.0.0.1:${sshd.port}`]);
      await conn.close();
    });
  });
});
