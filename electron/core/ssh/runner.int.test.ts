import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile';
import { HardenLabError } from '../errors';
import { run } from '../proc';
import { connect, type ConnectOptions, type SshConnection } from './connection';
import { RUNNER_MAX_LINE } from './runner';
import { canRunSshd, LocalSshd, TEST_USER, whyNoSshd } from './testing/local-sshd';
import { startSshdFixture, type SshdFixture } from './testing/sshd-fixture';

if (!canRunSshd) console.warn(`[ssh integration] skipped: ${whyNoSshd}`);

const sessions = (sshd: LocalSshd) => sshd.logText.split('\n').filter((l) => /Starting session/.test(l)).length;
const strip = (r: { durationMs: number }) => ({ ...r, durationMs: 0 });

/** Commands whose results must be the same through the runner and over their own channel. */
const SAME: string[][] = [
  ['printf', 'no trailing newline'],
  ['printf', ''],
  ['sh', '-c', 'echo out; echo err >&2; exit 3'],
  ['sh', '-c', 'printf "\\000\\377\\n\\r\\033"; printf "e\\000" >&2'],
  ['sh', '-c', 'printf "\\n"; printf "\\n\\n" >&2'],
  ['printf', '%s|', 'two\nlines', "it's", '$(reboot)', '`id`', '', 'x; rm -rf /', '\r\n'],
  ['cat', '/nonexistent/file'],
  ['seq', '1', '40000'],
  ['env'],
  ['pwd'],
  ['sh', '-c', 'umask; id -u; test -t 0 && echo tty || echo notty; read x; echo "read=$?"'],
  ['cd', '/'],
  ['exit', '4'],
  ['false'],
];

describe.skipIf(!canRunSshd)('the command runner (one long-lived remote sh on one channel)', () => {
  let fx: SshdFixture;
  let sshd: LocalSshd;
  let key: SshdFixture['key'];
  let profile: Profile;
  let opts: ConnectOptions;
  let conn: SshConnection;

  beforeAll(async () => {
    fx = await startSshdFixture('hl-runner-');
    ({ sshd, key, profile, opts } = fx);
    conn = await connect(profile, opts);
  });
  afterAll(async () => {
    await conn?.close();
    await fx?.dispose();
  });

  it('gives the same stdout, stderr, status and truncation as a channel per command', async () => {
    const plain = await connect(profile, { ...opts, commandRunner: false });
    try {
      for (const argv of SAME) {
        const viaRunner = await conn.execRaw(argv);
        expect(conn.channelStats.runner).toBe('idle');
        const viaChannel = await plain.execRaw(argv);
        if (argv[0] === 'env') {
          // The runner's shell adds its own PWD/SHLVL-like variables; the login environment is the same.
          const vars = (b: Buffer) => new Set(b.toString().split('\n').filter((l) => /^(HOME|USER|LOGNAME|PATH|SHELL|MAIL|LANG)=/.test(l)));
          expect(vars(viaRunner.stdout)).toEqual(vars(viaChannel.stdout));
          continue;
        }
        expect(strip(viaRunner), JSON.stringify(argv)).toEqual(strip(viaChannel));
      }
      const capped = { maxOutputBytes: 1000 };
      const big = ['sh', '-c', 'head -c 5000 /dev/zero; head -c 3000 /dev/zero >&2'];
      expect(strip(await conn.execRaw(big, capped))).toEqual(strip(await plain.execRaw(big, capped)));
      expect(plain.channelStats.runner).toBe('off');
    } finally {
      await plain.close();
    }
  });

  it('runs 50 commands without opening a session for any of them', async () => {
    await conn.exec(['true']);
    await new Promise((r) => setTimeout(r, 200));
    const before = sessions(sshd);
    for (let i = 0; i < 50; i++) expect((await conn.exec(['echo', String(i)])).stdout).toBe(`${i}\n`);
    await new Promise((r) => setTimeout(r, 200));
    expect(sessions(sshd) - before).toBe(0);
  });

  it('sends commands with stdin, long command lines and concurrent commands over their own channels', async () => {
    await conn.exec(['true']);
    await new Promise((r) => setTimeout(r, 200));
    const before = sessions(sshd);
    expect((await conn.exec(['cat'], { stdin: 'via a channel' })).stdout).toBe('via a channel');
    const long = 'y'.repeat(RUNNER_MAX_LINE);
    expect((await conn.exec(['printf', '%s', long])).stdout).toBe(long);
    const many = await Promise.all(Array.from({ length: 6 }, (_, i) => conn.exec(['sh', '-c', `sleep 0.3; echo ${i}`])));
    expect(many.map((r) => r.stdout)).toEqual(['0\n', '1\n', '2\n', '3\n', '4\n', '5\n']);
    await new Promise((r) => setTimeout(r, 200));
    // stdin, the long line, and five of the six concurrent ones (the runner takes one).
    expect(sessions(sshd) - before).toBe(7);
  });

  it('a timeout stops the command and everything it started; the next command gets a new runner', async () => {
    const marker = `${Math.floor(Math.random() * 1e6)}.25`;
    const err = (await conn.exec(['sh', '-c', `sleep ${marker} & sleep ${marker}; wait`], { timeoutMs: 500 }).catch((e) => e)) as HardenLabError;
    expect(err).toBeInstanceOf(HardenLabError);
    expect(err.code).toBe('TIMEOUT');
    let alive = true;
    for (let i = 0; i < 30 && alive; i++) {
      // The sshd runs on this machine: look from here (a remote pgrep would find its own shell).
      alive = (await run('pgrep', ['-f', `sleep ${marker}`])).code === 0;
      if (alive) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alive).toBe(false);
    expect(conn.channelStats.runner).toBe('none');
    expect((await conn.exec(['echo', 'fresh'])).stdout).toBe('fresh\n');
    expect(conn.channelStats.runner).toBe('idle');
  });

  it('an abort cancels the command at once', async () => {
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 200);
    const t0 = Date.now();
    await expect(conn.exec(['sleep', '30'], { signal: ctrl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((await conn.exec(['echo', 'after abort'])).stdout).toBe('after abort\n');
  });

  it('a command that kills its own process group ends without a status, like on a channel; the next one works', async () => {
    const r = await conn.exec(['sh', '-c', 'kill -KILL 0']);
    expect(r.code).toBeNull();
    expect(conn.closed).toBe(false);
    expect((await conn.exec(['echo', 'next'])).stdout).toBe('next\n');
  });

  it('gives its session back when the server allows only one (MaxSessions 1)', async () => {
    const tight = await LocalSshd.start({ extraConfig: ['MaxSessions 1'] });
    try {
      await tight.authorize(TEST_USER, key.publicText);
      const c = await connect({ ...profile, port: tight.port, pinnedHostKey: tight.hostKeyText }, opts);
      expect((await c.exec(['echo', 'a'])).stdout).toBe('a\n');
      expect(c.channelStats.runner).toBe('idle');
      // The runner holds the only session: a command with stdin needs a channel, so the runner steps aside.
      expect((await c.exec(['cat'], { stdin: 'b' })).stdout).toBe('b');
      expect(c.channelStats.runner).toBe('off');
      expect(c.runnerOffReason).toMatch(/too few sessions/);
      const rs = await Promise.all(Array.from({ length: 4 }, (_, i) => c.exec(['echo', String(i)])));
      expect(rs.map((r) => r.stdout)).toEqual(['0\n', '1\n', '2\n', '3\n']);
      await c.close();
    } finally {
      await tight.dispose();
    }
  });

  it('reports a dropped connection as NOT_CONNECTED, as a channel does', async () => {
    const c = await connect(profile, opts);
    await c.exec(['true']);
    const pending = c.exec(['sleep', '30']).catch((e) => e);
    await new Promise((r) => setTimeout(r, 300));
    c.destroy();
    expect(((await pending) as HardenLabError).code).toBe('NOT_CONNECTED');
  });

  it('can be turned off with HARDENLAB_SSH_RUNNER=0', async () => {
    const c = await connect(profile, { ...opts, env: { ...process.env, HARDENLAB_SSH_RUNNER: '0' } });
    try {
      expect((await c.exec(['echo', 'x'])).stdout).toBe('x\n');
      expect(c.channelStats.runner).toBe('off');
    } finally {
      await c.close();
    }
  });
});
