import { join } from 'node:path';
import type { Profile } from '../../../../shared/profile';
import { MemorySecretStore } from '../../secrets/memory-store';
import type { ConnectOptions } from '../connection';
import { generateKey, tempDir, type GeneratedKey } from './local-tools';
import { ensureTestUser, LocalSshd, TEST_PASSWORD, TEST_USER } from './local-sshd';

export interface SshdFixture {
  sshd: LocalSshd;
  key: GeneratedKey;
  /** Profile "t" for the test user, key auth, the server's key pinned. */
  profile: Profile;
  /** Secrets (the test user's password for sudo), a known_hosts in the temp dir, 10 s connect timeout. */
  opts: ConnectOptions;
  dispose(): Promise<void>;
}

/** A real sshd on 127.0.0.1 with the test user authorized by a fresh key: what most SSH integration tests start from. */
export async function startSshdFixture(prefix: string, extra: Partial<ConnectOptions> = {}): Promise<SshdFixture> {
  await ensureTestUser();
  const sshd = await LocalSshd.start();
  const dir = await tempDir(prefix);
  const key = await generateKey(dir.path, 'client');
  await sshd.authorize(TEST_USER, key.publicText);
  const secrets = new MemorySecretStore();
  await secrets.set('t', 'password', TEST_PASSWORD);
  return {
    sshd,
    key,
    profile: { name: 't', host: '127.0.0.1', port: sshd.port, user: TEST_USER, auth: { kind: 'key', keyPath: key.privatePath }, pinnedHostKey: sshd.hostKeyText, elevation: 'auto', origin: 'manual' },
    opts: { secrets, knownHostsPath: join(dir.path, 'known_hosts'), timeoutMs: 10_000, ...extra },
    async dispose() {
      await sshd.dispose();
      await dir.cleanup();
    },
  };
}
