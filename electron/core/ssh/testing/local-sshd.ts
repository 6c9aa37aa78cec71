import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../proc';
import { parsePublicKeyText, type PublicKey } from '../host-key';

/**
 * A real OpenSSH sshd for integration tests, on 127.0.0.1 and a free port,
 * with its own host key, config, pid file and authorized_keys directory in
 * a temp dir. It needs root (sshd drops privileges per login) and Debian's
 * openssh-server. Test users are created idempotently with a known
 * password. Nothing outside the temp dir is changed except those users
 * (and, for the sudo tests, a sudoers drop-in the test removes itself).
 */
export const SSHD = '/usr/sbin/sshd';
export const isRoot = process.getuid?.() === 0;
export const canRunSshd = isRoot && existsSync(SSHD);
export const whyNoSshd = !isRoot ? 'these tests start a real sshd and create local users, so they must run as root' : !existsSync(SSHD) ? `${SSHD} is missing (apt-get install openssh-server)` : '';

/** Whether an sshd can get a private /etc/hosts (a mount namespace of its own): see LocalSshdOptions.resolve. */
export function canIsolateHosts(): boolean {
  return canRunSshd && spawnSync('unshare', ['--mount', 'true'], { stdio: 'ignore' }).status === 0;
}

export const TEST_USER = 'hltest';
export const TEST_PASSWORD = 'Hl-test-pw-7';

/** Creates (or re-keys) a local login user with /bin/sh and a known password. Idempotent. */
export async function ensureTestUser(user: string = TEST_USER, password: string = TEST_PASSWORD): Promise<void> {
  if ((await run('id', ['-u', user])).code !== 0) {
    const r = await run('useradd', ['--create-home', '--shell', '/bin/sh', user]);
    if (r.code !== 0 && (await run('id', ['-u', user])).code !== 0) throw new Error(`useradd ${user} failed: ${r.stderr}`);
  }
  const r = await run('chpasswd', [], { input: `${user}:${password}\n` });
  if (r.code !== 0) throw new Error(`chpasswd failed: ${r.stderr}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True once something on the port answers with an SSH banner. */
function bannerSeen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.once('data', (d: Buffer) => done(d.toString('latin1').startsWith('SSH-')));
    s.connect(port, '127.0.0.1');
  });
}

export interface LocalSshdOptions {
  /** Extra sshd_config lines (first value wins in sshd, so these go first). */
  extraConfig?: string[];
  keyType?: 'ed25519' | 'ecdsa';
  /**
   * Host names that only this sshd resolves (name -> address), from its own
   * /etc/hosts in a private mount namespace. As a jump host it then reaches a
   * target by a name the test process cannot resolve, so a test can tell a
   * connection that went through the jump from one that went straight.
   */
  resolve?: Record<string, string>;
}

export class LocalSshd {
  readonly dir: string;
  readonly port: number;
  private child: ChildProcess | null = null;
  private log = '';
  private readonly opts: LocalSshdOptions;
  hostKey!: PublicKey;
  hostKeyText!: string;

  private constructor(dir: string, port: number, opts: LocalSshdOptions) {
    this.dir = dir;
    this.port = port;
    this.opts = opts;
  }

  static async start(opts: LocalSshdOptions = {}): Promise<LocalSshd> {
    if (!canRunSshd) throw new Error(whyNoSshd);
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const dir = await mkdtemp(join(tmpdir(), 'hl-sshd-'));
    await chmod(dir, 0o755);
    await mkdir(join(dir, 'authorized_keys'), { mode: 0o755 });
    const sshd = new LocalSshd(dir, await freePort(), opts);
    await sshd.newHostKey();
    await sshd.writeConfig();
    await sshd.launch();
    return sshd;
  }

  get hostKeyPath(): string {
    return join(this.dir, `ssh_host_${this.opts.keyType ?? 'ed25519'}_key`);
  }

  /** Replaces the host key (the next start presents a different one). */
  async newHostKey(): Promise<void> {
    await rm(this.hostKeyPath, { force: true });
    await rm(this.hostKeyPath + '.pub', { force: true });
    const r = await run('ssh-keygen', ['-q', '-t', this.opts.keyType ?? 'ed25519', '-N', '', '-f', this.hostKeyPath]);
    if (r.code !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
    this.hostKeyText = (await readFile(this.hostKeyPath + '.pub', 'utf8')).trim();
    this.hostKey = parsePublicKeyText(this.hostKeyText)!;
  }

  async authorize(user: string, publicKeyText: string): Promise<void> {
    await writeFile(join(this.dir, 'authorized_keys', user), publicKeyText.trim() + '\n', { mode: 0o644 });
  }

  private async writeConfig(): Promise<void> {
    const lines = [
      ...(this.opts.extraConfig ?? []),
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${this.hostKeyPath}`,
      `PidFile ${join(this.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}/%u`,
      // The temp dir lives under /tmp (mode 1777), which StrictModes would reject.
      'StrictModes no',
      'UsePAM yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'MaxSessions 10',
      'MaxStartups 100:30:200',
      'AllowTcpForwarding yes',
      'PrintMotd no',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
    ];
    await writeFile(join(this.dir, 'sshd_config'), lines.join('\n') + '\n');
    const t = await run(SSHD, ['-t', '-f', join(this.dir, 'sshd_config')]);
    if (t.code !== 0) throw new Error(`sshd -t rejected the test config: ${t.stderr}`);
  }

  /** Starts the listener again after stop() (same port, same or new host key). */
  async launch(): Promise<void> {
    this.log = '';
    const argv = [SSHD, '-D', '-e', '-f', join(this.dir, 'sshd_config')];
    const [cmd, ...args] = this.opts.resolve ? await this.withPrivateHosts(argv) : argv;
    const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    // If the test process dies without dispose(), do not leave a listening sshd behind.
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    child.once('exit', () => process.removeListener('exit', onExit));
    child.stderr?.on('data', (d: Buffer) => {
      this.log += d.toString();
      if (this.log.length > 200_000) this.log = this.log.slice(-100_000);
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`sshd exited at start (${child.exitCode}): ${this.log}`);
      if (await bannerSeen(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sshd did not listen on ${this.port} within 10 s: ${this.log}`);
  }

  /** unshare and sh both exec, so the child's pid stays sshd's own (dropConnections walks its tree). */
  private async withPrivateHosts(argv: string[]): Promise<string[]> {
    const hosts = join(this.dir, 'hosts');
    const lines = Object.entries(this.opts.resolve ?? {}).map(([name, addr]) => `${addr} ${name}`);
    await writeFile(hosts, ['127.0.0.1 localhost', '::1 localhost', ...lines].join('\n') + '\n');
    return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /etc/hosts && shift && exec "$@"', 'sh', hosts, ...argv];
  }

  get logText(): string {
    return this.log;
  }

  /** Kills the per-connection sshd processes (every open session drops), the listener stays. */
  async dropConnections(): Promise<void> {
    const pid = this.child?.pid;
    if (!pid) return;
    // The [priv] monitor, the user's net child and its commands: every descendant of the listener.
    // A monitor may be forking its post-login child right now, so freeze the tree first and walk it
    // again until it stops growing; only then kill, so that no new child escapes holding the socket.
    const frozen = new Set<number>();
    for (let round = 0; round < 20; round++) {
      const found = await this.descendants(pid);
      const fresh = found.filter((p) => !frozen.has(p));
      if (fresh.length === 0 && round > 0) break;
      for (const p of fresh) {
        try {
          process.kill(p, 'SIGSTOP');
          frozen.add(p);
        } catch {
          /* already gone */
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const p of frozen) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  private async descendants(pid: number): Promise<number[]> {
    const all: number[] = [];
    let level = [pid];
    while (level.length > 0) {
      const next: number[] = [];
      for (const p of level) {
        const r = await run('pgrep', ['-P', String(p)]);
        next.push(...r.stdout.split('\n').filter(Boolean).map(Number));
      }
      all.push(...next);
      level = next;
    }
    return all;
  }

  /** Stops the listener and every session it spawned. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await this.dropConnections();
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.child = null;
  }

  async restart(opts: { newHostKey?: boolean; downMs?: number } = {}): Promise<void> {
    await this.stop();
    if (opts.newHostKey) await this.newHostKey();
    if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
