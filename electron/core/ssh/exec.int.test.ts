import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile';
import { HardenLabError } from '../errors';
import { run } from '../proc';
import { connect, type ConnectOptions, type SshConnection, type CloseInfo } from './connection';
import { formatKnownHostLine } from './known-hosts';
import { tempDir, type GeneratedKey } from './testing/local-tools';
import { canRunSshd, LocalSshd, TEST_USER, whyNoSshd } from './testing/local-sshd';
import { startSshdFixture, type SshdFixture } from './testing/sshd-fixture';

if (!canRunSshd) console.warn(`[ssh integration] skipped: ${whyNoSshd}`);

const HOSTILE = ['x; rm -rf /', '$(reboot)', '`reboot`', "it's \"quoted\"", 'two\nlines', '', ' lead and trail ', '*', '~', 'Grüße ✓ 日本', '\\back\\slash\\', '--help', '&& id ||', '> /tmp/hl-pwned'];

// Every test runs twice: with the command runner (the default: short commands without stdin go
// through one long-lived remote sh) and with a channel for every command.
describe.skipIf(!canRunSshd).each([{ runner: true }, { runner: false }])('exec, probe and channels over one connection (command runner: $runner)', ({ runner }) => {
  let fx: SshdFixture;
  let sshd: LocalSshd;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let key: GeneratedKey;
  let conn: SshConnection;
  let profile: Profile;
  let opts: ConnectOptions;

  beforeAll(async () => {
    fx = await startSshdFixture('hl-exec-', { commandRunner: runner });
    ({ sshd, key, profile, opts } = fx);
    dir = await tempDir('hl-exec-ssh-');
    conn = await connect(profile, opts);
  });
  afterAll(async () => {
    await conn?.close();
    await fx?.dispose();
    await dir?.cleanup();
  });

  it('each hostile argument reaches the remote program as ONE literal argument', async () => {
    const r = await conn.exec(['printf', '%s\\0', ...HOSTILE]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    // And through a second program that prints each argument it received between brackets.
    const viaSh = await conn.exec(['sh', '-c', 'for a in "$@"; do printf "[%s]" "$a"; done', 'sh', ...HOSTILE]);
    expect(viaSh.stdout).toBe(HOSTILE.map((a) => `[${a}]`).join(''));
    expect((await run('test', ['-e', '/tmp/hl-pwned'])).code).not.toBe(0);
  });

  it('non-zero exit is a result; stderr is separate; stdin is delivered', async () => {
    const r = await conn.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toMatchObject({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n', truncated: false });
    const input = 'line one\n$(not run)\n' + 'x'.repeat(300_000);
    const c = await conn.exec(['sha256sum'], { stdin: input });
    const local = await run('sha256sum', [], { input });
    expect(c.stdout).toBe(local.stdout);
    expect((await conn.exec(['cat'])).stdout).toBe('');
  });

  it('passes environment variables literally (env K=V after quoting)', async () => {
    const r = await conn.exec(['sh', '-c', 'printf "%s" "$HL_VAR"'], { env: { HL_VAR: '$(id); `id`' } });
    expect(r.stdout).toBe('$(id); `id`');
  });

  it('a timeout throws TIMEOUT, kills the remote process, and the connection stays usable', async () => {
    const marker = `${Math.floor(Math.random() * 1e6)}.5`;
    const t0 = Date.now();
    const err = (await conn.exec(['sleep', marker], { timeoutMs: 500 }).catch((e) => e)) as HardenLabError;
    expect(err).toBeInstanceOf(HardenLabError);
    expect(err.code).toBe('TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(3_000);
    let alive = true;
    for (let i = 0; i < 20 && alive; i++) {
      alive = (await run('pgrep', ['-f', `sleep ${marker}`])).code === 0;
      if (alive) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alive).toBe(false);
    expect((await conn.exec(['echo', 'still fine'])).stdout).toBe('still fine\n');
  });

  it('caps output per stream and says so, while the command still finishes', async () => {
    const r = await conn.exec(['sh', '-c', 'head -c 1000000 /dev/zero; echo done >&2'], { maxOutputBytes: 4096 });
    expect(r.code).toBe(0);
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBe(4096);
    expect(r.stderr).toBe('done\n');
  });

  it('runs 20 concurrent execs over the one connection (queued under MaxSessions 10)', async () => {
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => conn.exec(['sh', '-c', `sleep 0.3; echo ${i}`])));
    const ms = Date.now() - t0;
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(results.every((r) => r.code === 0)).toBe(true);
    // 8 at a time: three waves of 0.3 s, not twenty.
    expect(ms).toBeLessThan(20 * 300);
    console.log(`[measure] 20 concurrent 0.3 s execs on one connection: ${ms} ms (exec capacity ${conn.channelStats.execCapacity})`);
  });

  it('never loses the exit status of a command that ends at once (200 quick execs, 8 at a time)', async () => {
    // Output, exit status and close of `true` can arrive in the same read as the channel confirmation.
    const codes = await Promise.all(Array.from({ length: 200 }, () => conn.exec(['true']).then((r) => r.code)));
    expect(codes.filter((c) => c !== 0)).toEqual([]);
    const fails = await Promise.all(Array.from({ length: 50 }, () => conn.exec(['false']).then((r) => r.code)));
    expect(new Set(fails)).toEqual(new Set([1]));
  });

  it('adapts when the server allows fewer sessions than assumed', async () => {
    const tight = await LocalSshd.start({ extraConfig: ['MaxSessions 3'] });
    try {
      await tight.authorize(TEST_USER, key.publicText);
      const c = await connect({ ...profile, port: tight.port, pinnedHostKey: tight.hostKeyText }, opts);
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => c.exec(['sh', '-c', `sleep 0.2; echo ${i}`])));
      expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
      expect(c.channelStats.execCapacity).toBeLessThanOrEqual(3);
      await c.close();
    } finally {
      await tight.dispose();
    }
  });

  it('probe gathers many facts in ONE channel round trip', async () => {
    const before = sshd.logText.split('\n').filter((l) => /session opened|Starting session/.test(l)).length;
    const facts = await conn.probe({
      kernel: ['uname', '-r'],
      osRelease: ['cat', '/etc/os-release'],
      uid: ['id', '-u'],
      hostname: ['hostname'],
      missing: ['cat', '/nonexistent/file'],
      hostile: ['printf', '%s', '$(reboot); x'],
      sysctl: ['cat', '/proc/sys/kernel/randomize_va_space'],
      modules: ['cat', '/proc/modules'],
      mounts: ['cat', '/proc/mounts'],
      shells: ['cat', '/etc/shells'],
    });
    expect(facts.kernel).toEqual({ code: 0, stdout: (await run('uname', ['-r'])).stdout });
    expect(facts.uid.stdout.trim()).toMatch(/^\d+$/);
    expect(facts.missing.code).not.toBe(0);
    expect(facts.hostile).toEqual({ code: 0, stdout: '$(reboot); x' });
    expect(facts.osRelease.stdout).toContain('ID=');
    await new Promise((r) => setTimeout(r, 200));
    const after = sshd.logText.split('\n').filter((l) => /session opened|Starting session/.test(l)).length;
    // Over channels the probe is one session; through an already running runner it is none.
    if (runner) expect(after - before).toBeLessThanOrEqual(1);
    else expect(after - before).toBe(1);
  });

  it("emits 'close' (unexpected) when the server drops the connection, and exec then says NOT_CONNECTED", async () => {
    const c = await connect(profile, opts);
    const closed = new Promise<CloseInfo>((r) => c.on('close', r));
    const running = c.exec(['sleep', '30']).catch((e) => e);
    await new Promise((r) => setTimeout(r, 300));
    await sshd.dropConnections();
    const info = await closed;
    expect(info.unexpected).toBe(true);
    expect(c.closed).toBe(true);
    const err = (await running) as HardenLabError;
    expect(err.code).toBe('NOT_CONNECTED');
    await expect(c.exec(['true'])).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    // The shared connection of this file was dropped too; make a new one for the tests after this.
    conn = await connect(profile, opts);
  });

  it('keepalive notices a server that stops answering', async () => {
    const c = await connect(profile, { ...opts, keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
    const closed = new Promise<CloseInfo>((r) => c.on('close', r));
    // One round trip first: sshd forks the post-login process only after it told us "ready".
    await c.exec(['true']);
    const pids = (await run('pgrep', ['-f', `sshd: ${TEST_USER}`])).stdout.split('\n').filter(Boolean);
    // Freeze (not kill) this connection's sshd processes: the socket stays open but nothing answers.
    const mine = [];
    for (const p of pids) mine.push(Number(p));
    for (const p of mine) process.kill(p, 'SIGSTOP');
    try {
      const info = await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
      expect(info).not.toBeNull();
      expect(info!.unexpected).toBe(true);
    } finally {
      for (const p of mine) process.kill(p, 'SIGCONT');
    }
    conn = conn.closed ? await connect(profile, opts) : conn;
  });

  it('measures: connect time, exec latency on one connection vs a fresh connection each time (and OpenSSH ssh)', async () => {
    const N = 50;
    const connectTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = Date.now();
      const c = await connect(profile, opts);
      connectTimes.push(Date.now() - t);
      await c.close();
    }
    const tReuse = Date.now();
    for (let i = 0; i < N; i++) expect((await conn.exec(['true'])).code).toBe(0);
    const reusePer = (Date.now() - tReuse) / N;

    const FRESH = 10;
    const tFresh = Date.now();
    for (let i = 0; i < FRESH; i++) {
      const c = await connect(profile, opts);
      await c.exec(['true']);
      await c.close();
    }
    const freshPer = (Date.now() - tFresh) / FRESH;

    const kh = join(dir.path, 'ssh_known_hosts');
    await writeFile(kh, formatKnownHostLine({ host: '127.0.0.1', port: sshd.port, key: sshd.hostKey }) + '\n');
    const tSsh = Date.now();
    for (let i = 0; i < FRESH; i++) {
      const r = await run('ssh', ['-i', key.privatePath, '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-p', String(sshd.port), `${TEST_USER}@127.0.0.1`, 'true']);
      expect(r.code).toBe(0);
    }
    const sshPer = (Date.now() - tSsh) / FRESH;
    const avgConnect = connectTimes.reduce((a, b) => a + b, 0) / connectTimes.length;
    console.log(
      `[measure] 127.0.0.1: connect ${avgConnect.toFixed(0)} ms avg (${connectTimes.join(', ')}); ` +
        `exec on one reused connection ${reusePer.toFixed(1)} ms; fresh ssh2 connection per exec ${freshPer.toFixed(0)} ms; ` +
        `OpenSSH \`ssh host true\` per exec ${sshPer.toFixed(0)} ms; reuse is ${(freshPer / reusePer).toFixed(1)}x faster than fresh, ${(sshPer / reusePer).toFixed(1)}x faster than ssh`,
    );
    expect(reusePer * 5).toBeLessThan(freshPer);
  });
});
