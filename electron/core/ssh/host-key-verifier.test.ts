import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HardenLabError } from '../errors';
import { formatPublicKey, sha256Fingerprint } from './host-key';
import { promptWithTimeout, verifyHostKey, type HostKeyPromptRequest } from './host-key-verifier';
import { formatKnownHostLine } from './known-hosts';
import { KnownHostsStore } from './known-hosts-store';
import { generateKey, sshKeygen, tempDir } from './testing/local-tools';

describe.skipIf(!sshKeygen)('verifyHostKey (real files, scripted answers)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: KnownHostsStore;
  beforeEach(async () => {
    dir = await tempDir();
    store = new KnownHostsStore({ file: join(dir.path, 'app', 'known_hosts') });
  });
  afterEach(async () => dir.cleanup());

  it('asks about an unknown key; trust-remember writes it, the next check does not ask', async () => {
    const k = await generateKey(dir.path, 'host');
    const asked: HostKeyPromptRequest[] = [];
    const v1 = await verifyHostKey({ host: '127.0.0.1', port: 2222, presented: k.publicKey.blob, store, prompter: async (r) => (asked.push(r), 'trust-remember') });
    expect(v1.status).toBe('remembered');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ host: '127.0.0.1', port: 2222, keyType: 'ssh-ed25519', fingerprint: v1.fingerprint });
    expect(Date.parse(asked[0]!.expiresAt)).toBeGreaterThan(Date.now());
    expect(await readFile(store.file, 'utf8')).toContain(`[127.0.0.1]:2222 ${formatPublicKey(k.publicKey)}`);
    const v2 = await verifyHostKey({ host: '127.0.0.1', port: 2222, presented: k.publicKey.blob, store, prompter: async () => { throw new Error('must not ask'); } });
    expect(v2.status).toBe('trusted');
  });

  it('trust-once does not write anything', async () => {
    const k = await generateKey(dir.path, 'host');
    const v = await verifyHostKey({ host: 'h', port: 22, presented: k.publicKey.blob, store, prompter: async () => 'trust-once' });
    expect(v.status).toBe('trusted-once');
    await expect(readFile(store.file, 'utf8')).rejects.toThrow();
  });

  it('cancel and silence both reject (HOST_KEY_REJECTED); silence within the configured time', async () => {
    const k = await generateKey(dir.path, 'host');
    await expect(verifyHostKey({ host: 'h', port: 22, presented: k.publicKey.blob, store, prompter: async () => 'cancel' })).rejects.toMatchObject({ code: 'HOST_KEY_REJECTED' });
    let sawAbort = false;
    const t0 = Date.now();
    const err = await verifyHostKey({
      host: 'h',
      port: 22,
      presented: k.publicKey.blob,
      store,
      promptTimeoutMs: 200,
      prompter: (_r, { signal }) => new Promise(() => signal.addEventListener('abort', () => (sawAbort = true))),
    }).catch((e: HardenLabError) => e);
    expect(err).toBeInstanceOf(HardenLabError);
    expect((err as HardenLabError).code).toBe('HOST_KEY_REJECTED');
    expect((err as HardenLabError).message).toContain('within 0.2 s');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(sawAbort).toBe(true);
  });

  it('a changed key is refused without asking, naming both fingerprints', async () => {
    const old = await generateKey(dir.path, 'old');
    const now = await generateKey(dir.path, 'new');
    await store.add('h', 22, old.publicKey);
    const err = await verifyHostKey({ host: 'h', port: 22, presented: now.publicKey.blob, store, prompter: async () => { throw new Error('must not ask'); } }).catch((e) => e);
    expect(err).toMatchObject({ code: 'HOST_KEY_CHANGED' });
    expect(err.message).toContain(`Known: ssh-ed25519 ${sha256Fingerprint(old.publicKey.blob)}`);
    expect(err.message).toContain(`Offered now: ssh-ed25519 ${sha256Fingerprint(now.publicKey.blob)}`);
    expect(err.hint).toContain(`ssh-keygen -f ${store.file} -R h`);
    // Removing the old entry explicitly is the way past it.
    expect((await store.remove('h', 22)).removed).toBe(1);
    const v = await verifyHostKey({ host: 'h', port: 22, presented: now.publicKey.blob, store, prompter: async () => 'trust-once' });
    expect(v.status).toBe('trusted-once');
  });

  it('trusts the pinned key without a prompt and refuses another one', async () => {
    const pin = await generateKey(dir.path, 'pin');
    const other = await generateKey(dir.path, 'other');
    const v = await verifyHostKey({ host: 'h', port: 2222, presented: pin.publicKey.blob, pinnedHostKey: pin.publicText, store });
    expect(v.status).toBe('pinned');
    await expect(verifyHostKey({ host: 'h', port: 2222, presented: other.publicKey.blob, pinnedHostKey: pin.publicText, store })).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
  });

  it('reads ~/.ssh/known_hosts read-only when asked, and reports unknown without a prompter', async () => {
    const k = await generateKey(dir.path, 'host');
    const userFile = join(dir.path, 'user_known_hosts');
    await writeFile(userFile, formatKnownHostLine({ host: 'h', port: 22, key: k.publicKey, hashed: true }) + '\n');
    const withUser = new KnownHostsStore({ file: store.file, userFile });
    expect((await verifyHostKey({ host: 'h', port: 22, presented: k.publicKey.blob, store: withUser })).status).toBe('trusted');
    await expect(verifyHostKey({ host: 'h', port: 22, presented: k.publicKey.blob, store })).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
  });
});

describe('promptWithTimeout', () => {
  it('treats a prompter that throws as cancel, and an abort as cancel', async () => {
    const req = { promptId: 'p', host: 'h', port: 22, keyType: 't', fingerprint: 'f' };
    expect(await promptWithTimeout(async () => { throw new Error('ui gone'); }, req, 1000)).toEqual({ answer: 'cancel', timedOut: false });
    const ctrl = new AbortController();
    const p = promptWithTimeout(() => new Promise(() => undefined), req, 10_000, ctrl.signal);
    ctrl.abort();
    expect(await p).toEqual({ answer: 'cancel', timedOut: false });
    expect(await promptWithTimeout(async () => 'trust-once', req, 1000)).toEqual({ answer: 'trust-once', timedOut: false });
  });
});
