import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Target, TargetExecResult } from '../../../engine/target';

const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));

/** Debian 12's /etc/ssh/sshd_config as it ships (the fixture's Include points at @ROOT@). */
export const DEBIAN12_SSHD_CONFIG = readFileSync(join(__dirname, '..', 'fixtures', 'debian12-sshd_config'), 'utf8').replaceAll('@ROOT@', '');

export interface SshdCopy {
  root: string;
  /** Writes (null: deletes) a file of the VM's /etc/ssh; Include paths are pointed into the copy. */
  write(path: string, content: string | null): void;
  /** Answers the ssh step's commands the way the VM would, from the copy. */
  target: Pick<Target, 'probe' | 'exec'>;
  remove(): void;
}

/**
 * A VM's /etc/ssh as a directory in /tmp, for tests of the ssh step's probe,
 * plan and verify without a VM: `cat` and the Include listing read the copy
 * (paths shown as on the VM), and `sshd -T` (with -C too) is the real
 * OpenSSH server reading it.
 */
export function sshdCopy(files: Record<string, string>): SshdCopy {
  if (!SSHD) throw new Error('OpenSSH sshd is required for this test: apt-get install openssh-server');
  const root = mkdtempSync(join(tmpdir(), 'hl-sshd-copy-'));
  const hostKey = join(root, 'hostkey');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  // sshd refuses to start (even for -T) without its privilege separation directory.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const write = (path: string, content: string | null) => {
    const p = root + path;
    if (content === null) return rmSync(p, { force: true });
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content.replace(/^(\s*Include\s+)\//gim, `$1${root}/`));
  };
  for (const [p, c] of Object.entries(files)) write(p, c);
  const unroot = (s: string) => s.replaceAll(root, '');
  const answer = (argv: readonly string[]): TargetExecResult => {
    const done = (code: number | null, stdout: string, stderr = ''): TargetExecResult => ({ code, signal: null, stdout, stderr, truncated: false, durationMs: 0 });
    if (argv[0] === 'cat') {
      const p = root + argv[1];
      return existsSync(p) ? done(0, unroot(readFileSync(p, 'utf8'))) : done(1, '', `cat: ${argv[1]}: No such file or directory`);
    }
    if (argv[0] === '/usr/sbin/sshd' && argv[1] === '-T') {
      const r = spawnSync(SSHD, ['-T', '-f', `${root}/etc/ssh/sshd_config`, '-h', hostKey, ...argv.slice(2)], { encoding: 'utf8' });
      return done(r.status, r.stdout, r.stderr);
    }
    if (argv[0] === 'sh' && argv[2]?.includes('SSH_CONNECTION')) return done(0, '192.0.2.10 50000 192.0.2.1 22');
    if (argv[0] === 'sh' && argv[3] === 'sh') {
      const r = spawnSync('sh', ['-c', argv[2]!, 'sh', ...argv.slice(4).map((p) => root + p)], { encoding: 'utf8' });
      return done(r.status, unroot(r.stdout), r.stderr);
    }
    throw new Error(`the sshd copy does not answer ${argv.join(' ')}`);
  };
  return {
    root,
    write,
    target: {
      exec: async (argv) => answer(argv),
      probe: async (commands) => Object.fromEntries(Object.entries(commands).map(([k, argv]) => [k, answer(argv as string[])])) as never,
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
