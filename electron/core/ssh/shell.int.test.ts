import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile';
import { MemorySecretStore } from '../secrets/memory-store';
import { connect, type SshConnection } from './connection';
import { openShell, type ShellExit, type ShellSession } from './shell';
import { generateKey, tempDir } from './testing/local-tools';
import { canRunSshd, ensureTestUser, LocalSshd, TEST_USER, whyNoSshd } from './testing/local-sshd';

if (!canRunSshd) console.warn(`[ssh integration] skipped: ${whyNoSshd}`);

/** Collects terminal output and waits for a pattern in it. */
function screen(s: ShellSession) {
  let text = '';
  s.onData((d) => {
    text += d;
    s.ack(d.length);
  });
  return {
    get text() {
      return text;
    },
    async waitFor(re: RegExp, ms = 5_000): Promise<RegExpMatchArray> {
      const until = Date.now() + ms;
      for (;;) {
        const m = text.match(re);
        if (m) return m;
        if (Date.now() > until) throw new Error(`terminal never showed ${re}; it shows: ${JSON.stringify(text.slice(-500))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe.skipIf(!canRunSshd)('terminal shells over the shared connection', () => {
  let sshd: LocalSshd;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let conn: SshConnection;
  let profile: Profile;

  beforeAll(async () => {
    await ensureTestUser();
    sshd = await LocalSshd.start();
    dir = await tempDir('hl-shell-');
    const key = await generateKey(dir.path, 'client');
    await sshd.authorize(TEST_USER, key.publicText);
    profile = { name: 's', host: '127.0.0.1', port: sshd.port, user: TEST_USER, auth: { kind: 'key', keyPath: key.privatePath }, pinnedHostKey: sshd.hostKeyText, elevation: 'auto', origin: 'manual' };
    conn = await connect(profile, { secrets: new MemorySecretStore(), knownHostsPath: join(dir.path, 'kh') });
  });
  afterAll(async () => {
    await conn?.close();
    await sshd?.dispose();
    await dir?.cleanup();
  });

  it('runs commands in a PTY with TERM=xterm-256color, and resize changes `stty size`', async () => {
    const s = await openShell(conn, { cols: 80, rows: 24 });
    const out = screen(s);
    s.write('echo "T=$TERM"; stty size\n');
    await out.waitFor(/T=xterm-256color/);
    await out.waitFor(/\b24 80\b/);
    s.resize(132, 40);
    s.write('stty size\n');
    await out.waitFor(/\b40 132\b/);
    expect(() => s.resize(0, 10)).toThrow();
    const exited = new Promise<ShellExit>((r) => s.onExit(r));
    s.write('exit 3\n');
    expect(await exited).toEqual({ code: 3, signal: null, reason: 'exit' });
  });

  it('replays output that arrived before the first listener, and close() says closed', async () => {
    const s = await openShell(conn, { cols: 80, rows: 24 });
    s.write('echo early-bird\n');
    await new Promise((r) => setTimeout(r, 500));
    const out = screen(s);
    await out.waitFor(/early-bird/);
    const exited = new Promise<ShellExit>((r) => s.onExit(r));
    s.close();
    expect((await exited).reason).toBe('closed');
    // exec channels still work beside (and after) terminals
    expect((await conn.exec(['echo', 'ok'])).stdout).toBe('ok\n');
  });

  it('flow control: an unread flood pauses the channel near the high watermark and resumes when acknowledged', async () => {
    const hwm = 8 * 1024;
    const lwm = 1024;
    const s = await openShell(conn, { cols: 80, rows: 24, highWatermark: hwm, lowWatermark: lwm });
    const chunks: string[] = [];
    let received = 0;
    s.onData((d) => {
      chunks.push(d);
      received += d.length;
    }); // no ack yet: the consumer is "slow"
    // The end marker is computed by the shell so that the echoed command line cannot match it.
    s.write("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo FLOOD-END-$((20+22))\n");
    await new Promise((r) => setTimeout(r, 1_500));
    expect(s.paused).toBe(true);
    const heldBack = received;
    // Paused means we stop reading: what we got is bounded by the watermark plus what was already in flight,
    // far below the 3 MB the command wants to print.
    expect(heldBack).toBeGreaterThanOrEqual(hwm);
    expect(heldBack).toBeLessThan(600_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toBe(heldBack);
    // The consumer catches up: acknowledge everything as it comes.
    s.ack(received);
    const seen = () => chunks.join('').includes('FLOOD-END-42');
    const off = s.onData((d) => s.ack(d.length));
    for (let i = 0; i < 300 && !seen(); i++) await new Promise((r) => setTimeout(r, 20));
    off();
    expect(seen()).toBe(true);
    expect(received).toBeGreaterThan(3_000_000);
    expect(s.paused).toBe(false);
    s.close();
  });

  it('a dropped connection ends the terminal with reason connection-lost', async () => {
    const c = await connect(profile, { secrets: new MemorySecretStore(), knownHostsPath: join(dir.path, 'kh') });
    const s = await openShell(c, { cols: 80, rows: 24 });
    const exited = new Promise<ShellExit>((r) => s.onExit(r));
    c.destroy();
    expect((await exited).reason).toBe('connection-lost');
  });

  it('refuses more terminals than the session budget allows, and frees the slot on close', async () => {
    const c = await connect(profile, { secrets: new MemorySecretStore(), knownHostsPath: join(dir.path, 'kh'), maxSessions: 4 });
    const a = await openShell(c, { cols: 80, rows: 24 });
    const b = await openShell(c, { cols: 80, rows: 24 });
    await expect(openShell(c, { cols: 80, rows: 24 })).rejects.toThrow(/At most 2 terminals/);
    expect((await c.exec(['true'])).code).toBe(0);
    const closed = new Promise((r) => a.onExit(r));
    a.close();
    await closed;
    const again = await openShell(c, { cols: 80, rows: 24 });
    again.close();
    b.close();
    await c.close();
  });
});
