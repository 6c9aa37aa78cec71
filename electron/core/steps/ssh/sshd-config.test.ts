import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { effectiveGlobal, flatten, globMatch, parseSshdT, planSshdEdit, type DesiredSetting, type SshdFile } from './sshd-config';

const DEBIAN = readFileSync(join(__dirname, 'fixtures', 'debian12-sshd_config'), 'utf8');
const HARDENED: DesiredSetting[] = [
  { keyword: 'PermitRootLogin', value: 'no' },
  { keyword: 'PasswordAuthentication', value: 'no' },
  { keyword: 'KbdInteractiveAuthentication', value: 'no' },
  { keyword: 'PermitEmptyPasswords', value: 'no' },
];

function setFor(root: string, extra: Record<string, string>, main = DEBIAN): SshdFile[] {
  return [{ path: `${root}/etc/ssh/sshd_config`, content: main.replaceAll('@ROOT@', root) }, ...Object.entries(extra).map(([p, c]) => ({ path: `${root}${p}`, content: c }))];
}

function applyPlan(files: SshdFile[], plan: ReturnType<typeof planSshdEdit>): SshdFile[] {
  const map = new Map(files.map((f) => [f.path, f.content]));
  for (const f of plan.files) {
    if (f.after === null) map.delete(f.path);
    else map.set(f.path, f.after);
  }
  return [...map].map(([path, content]) => ({ path, content }));
}

/** The real judge: OpenSSH's own sshd -T on the edited files, in a temp root. */
function sshdT(root: string, files: SshdFile[], conn?: string): Map<string, string> | null {
  const sshd = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p));
  if (!sshd) throw new Error('OpenSSH sshd is required for this test: apt-get install openssh-server');
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content);
  }
  // sshd refuses to start (even for -T) without its privilege separation directory.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const key = join(root, 'hostkey');
  if (!existsSync(key)) spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const args = ['-T', '-f', `${root}/etc/ssh/sshd_config`, '-h', key, ...(conn ? ['-C', conn] : [])];
  const r = spawnSync(sshd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sshd -T failed: ${r.stderr}`);
  return parseSshdT(r.stdout);
}

describe('flatten and effective values', () => {
  it('expands Include in place with matches sorted, first value wins', () => {
    const files = setFor('', {
      '/etc/ssh/sshd_config.d/50-cloud-init.conf': 'PasswordAuthentication yes\n',
      '/etc/ssh/sshd_config.d/10-early.conf': 'PasswordAuthentication no\n',
    });
    const eff = effectiveGlobal(flatten('/etc/ssh/sshd_config', files));
    expect(eff.get('passwordauthentication')?.file).toBe('/etc/ssh/sshd_config.d/10-early.conf');
    expect(eff.get('kbdinteractiveauthentication')?.value).toBe('no');
  });
  it('tracks Match context and aliases', () => {
    const files = setFor('', {}, DEBIAN + '\nMatch User bob\n  ChallengeResponseAuthentication yes\nMatch all\nX11Forwarding no\n');
    const flat = flatten('/etc/ssh/sshd_config', files);
    expect(flat.find((d) => d.key === 'kbdinteractiveauthentication' && d.match === 'User bob')).toBeTruthy();
    expect(flat.find((d) => d.keyword === 'X11Forwarding' && d.value === 'no')?.match).toBeNull();
  });
  it('matches globs like sshd', () => {
    expect(globMatch('/etc/ssh/sshd_config.d/*.conf', '/etc/ssh/sshd_config.d/50-cloud-init.conf')).toBe(true);
    expect(globMatch('/etc/ssh/sshd_config.d/*.conf', '/etc/ssh/sshd_config.d/x.conf.bak')).toBe(false);
    expect(globMatch('/etc/ssh/sshd_config.d/*.conf', '/etc/ssh/sshd_config.d/sub/x.conf')).toBe(false);
  });
});

describe('planSshdEdit, judged by the real sshd -T', () => {
  it('Debian with a cloud-init drop-in saying yes: a drop-in read first wins', () => {
    const root = mkdtempSync(join(tmpdir(), 'hl-sshd-'));
    const files = setFor(root, { '/etc/ssh/sshd_config.d/50-cloud-init.conf': 'PasswordAuthentication yes\nPermitRootLogin yes\n' });
    expect(sshdT(root, files)!.get('passwordauthentication')).toBe('yes');
    const plan = planSshdEdit(`${root}/etc/ssh/sshd_config`, files, HARDENED, `${root}/etc/ssh/sshd_config.d/00-hardenlab.conf`);
    expect(plan.placement).toBe('drop-in');
    expect(plan.files.map((f) => f.path)).toEqual([`${root}/etc/ssh/sshd_config.d/00-hardenlab.conf`]);
    const after = applyPlan(files, plan);
    const t = sshdT(root, after)!;
    expect(t.get('passwordauthentication')).toBe('no');
    expect(t.get('permitrootlogin')).toBe('no');
    expect(t.get('kbdinteractiveauthentication')).toBe('no');
    // Idempotent: planning again changes nothing.
    expect(planSshdEdit(`${root}/etc/ssh/sshd_config`, after, HARDENED, `${root}/etc/ssh/sshd_config.d/00-hardenlab.conf`).files).toEqual([]);
    rmSync(root, { recursive: true });
  });

  it('a competing value before the Include: a block at the top of sshd_config wins', () => {
    const root = mkdtempSync(join(tmpdir(), 'hl-sshd-'));
    const main = 'PermitRootLogin yes\nPasswordAuthentication yes\n' + DEBIAN;
    const files = setFor(root, {}, main);
    const plan = planSshdEdit(`${root}/etc/ssh/sshd_config`, files, HARDENED, `${root}/etc/ssh/sshd_config.d/00-hardenlab.conf`);
    expect(plan.placement).toBe('main-top');
    const after = applyPlan(files, plan);
    const t = sshdT(root, after)!;
    expect(t.get('permitrootlogin')).toBe('no');
    expect(t.get('passwordauthentication')).toBe('no');
    expect(planSshdEdit(`${root}/etc/ssh/sshd_config`, after, HARDENED, `${root}/etc/ssh/sshd_config.d/00-hardenlab.conf`).files).toEqual([]);
    rmSync(root, { recursive: true });
  });

  it('no Include at all (older Alpine): the top block wins', () => {
    const root = mkdtempSync(join(tmpdir(), 'hl-sshd-'));
    const files = setFor(root, {}, '#\tcomment header\nPermitRootLogin yes\nAuthorizedKeysFile .ssh/authorized_keys\nSubsystem sftp /usr/lib/ssh/sftp-server\n');
    const plan = planSshdEdit(`${root}/etc/ssh/sshd_config`, files, HARDENED, `${root}/etc/ssh/sshd_config.d/00-hardenlab.conf`);
    expect(plan.placement).toBe('main-top');
    expect(sshdT(root, applyPlan(files, plan))!.get('permitrootlogin')).toBe('no');
    rmSync(root, { recursive: true });
  });

  it('a Match block that re-enables passwords is disabled, and sshd -T -C proves it', () => {
    const root = mkdtempSync(join(tmpdir(), 'hl-sshd-'));
    const files = setFor(root, { '/etc/ssh/sshd_config.d/60-lan.conf': 'Match Address 10.0.0.0/8\n    PasswordAuthentication yes\n    X11Forwarding no\n' });
    const conn = 'user=lab,host=pc,addr=10.1.2.3';
    expect(sshdT(root, files, conn)!.get('passwordauthentication')).toBe('yes');
    const plan = planSshdEdit(`${root}/etc/ssh/sshd_config`, files, HARDENED, `${root}/etc/ssh/sshd_config.d/00-hardenlab.conf`);
    expect(plan.disabledOverrides.map((d) => d.keyword)).toEqual(['PasswordAuthentication']);
    const after = applyPlan(files, plan);
    expect(sshdT(root, after, conn)!.get('passwordauthentication')).toBe('no');
    expect(sshdT(root, after, conn)!.get('x11forwarding')).toBe('no');
    rmSync(root, { recursive: true });
  });
});
