import { describe, expect, it } from 'vitest';
import { run } from '../proc';
import { buildCommandArgv, chooseElevation, factsFromProbe, noElevationError, type ElevationFacts } from './elevation';
import { shellJoin } from '../../../shared/quote';

const base: ElevationFacts = {
  uid: 1000,
  user: 'hl',
  sudoInstalled: true,
  sudoNoPassword: false,
  doasInstalled: false,
  doasNoPassword: false,
  inSudoGroup: false,
  sudoPasswordWorks: null,
};

describe('chooseElevation', () => {
  it('root needs nothing, whatever the preference', () => {
    expect(chooseElevation({ ...base, uid: 0 }, 'none').mode).toBe('root');
  });
  it('sudo without password first, then doas, per preference', () => {
    expect(chooseElevation({ ...base, sudoNoPassword: true, doasNoPassword: true }, 'auto').mode).toBe('sudo-nopasswd');
    expect(chooseElevation({ ...base, sudoNoPassword: true, doasNoPassword: true }, 'doas').mode).toBe('doas');
    expect(chooseElevation({ ...base, sudoInstalled: false, doasInstalled: true, doasNoPassword: true }, 'auto').mode).toBe('doas');
    expect(chooseElevation({ ...base, doasInstalled: true, doasNoPassword: true }, 'sudo').mode).toBe('none');
  });
  it('sudo with a password only when verified, or plausibly allowed (sudo group) before a password is known', () => {
    expect(chooseElevation({ ...base, sudoPasswordWorks: true }, 'auto').mode).toBe('sudo-password');
    expect(chooseElevation({ ...base, inSudoGroup: true }, 'auto')).toMatchObject({ mode: 'sudo-password', note: expect.stringContaining('not yet verified') });
    expect(chooseElevation({ ...base, inSudoGroup: true, sudoPasswordWorks: false }, 'auto')).toMatchObject({ mode: 'none', note: expect.stringContaining('refused the stored password') });
    expect(chooseElevation(base, 'auto').mode).toBe('none');
  });
  it('preference none never elevates, and the error says how to fix it', () => {
    const r = chooseElevation({ ...base, sudoNoPassword: true }, 'none');
    expect(r.mode).toBe('none');
    expect(noElevationError(r, 'vm', 'none').message).toContain('never elevate');
    const e = noElevationError(chooseElevation({ ...base, sudoInstalled: false }, 'auto'), 'hl@vm:22', 'auto');
    expect(e.code).toBe('NO_ELEVATION');
    expect(e.message).toContain('sudo is not installed');
    expect(e.hint).toContain('usermod -aG sudo hl');
    expect(e.hint).toContain('permit nopass hl');
  });
  it('reads facts from a probe', () => {
    const f = factsFromProbe({
      uid: { code: 0, stdout: '1000\n' },
      user: { code: 0, stdout: 'hl\n' },
      groups: { code: 0, stdout: 'hl wheel\n' },
      sudoPath: { code: 1, stdout: '' },
      sudoN: { code: 127, stdout: '' },
      doasPath: { code: 0, stdout: '/usr/bin/doas\n' },
      doasN: { code: 0, stdout: '' },
    });
    expect(f).toEqual({ uid: 1000, user: 'hl', sudoInstalled: false, sudoNoPassword: false, doasInstalled: true, doasNoPassword: true, inSudoGroup: true });
  });
});

describe('buildCommandArgv', () => {
  it('wraps per mode; the password goes to stdin only', () => {
    expect(buildCommandArgv(['id'], {}).argv).toEqual(['id']);
    expect(buildCommandArgv(['id'], { mode: 'root' }).argv).toEqual(['id']);
    expect(buildCommandArgv(['id'], { mode: 'sudo-nopasswd' }).argv).toEqual(['sudo', '-n', '--', 'id']);
    expect(buildCommandArgv(['id'], { mode: 'doas' }).argv).toEqual(['doas', '-n', '--', 'id']);
    const s = buildCommandArgv(['id'], { mode: 'sudo-password', password: 's3cret pw' });
    expect(s.argv).toEqual(['sudo', '-k', '-S', '-p', '', '--', 'id']);
    expect(s.argv.join(' ')).not.toContain('s3cret');
    expect(s.stdinPrefix?.toString()).toBe('s3cret pw\n');
  });
  it('refuses what cannot work', () => {
    expect(() => buildCommandArgv(['id'], { mode: 'sudo-password' })).toThrow(expect.objectContaining({ code: 'SECRET_REQUIRED' }));
    expect(() => buildCommandArgv(['id'], { mode: 'sudo-password', password: 'a\nb' })).toThrow();
    expect(() => buildCommandArgv(['id'], { mode: 'none' })).toThrow(expect.objectContaining({ code: 'NO_ELEVATION' }));
    expect(() => buildCommandArgv([], {})).toThrow();
    expect(() => buildCommandArgv(['id'], { env: { 'A;B': '1' } })).toThrow(/environment variable/);
  });
  it('puts the environment after sudo (which resets it), and it reaches the program literally', async () => {
    const b = buildCommandArgv(['sh', '-c', 'printf "%s" "$HL_X"'], { mode: 'sudo-nopasswd', env: { HL_X: '$(reboot); x' } });
    expect(b.argv.slice(0, 5)).toEqual(['sudo', '-n', '--', 'env', 'HL_X=$(reboot); x']);
    const local = buildCommandArgv(['sh', '-c', 'printf "%s" "$HL_X"'], { env: { HL_X: '$(reboot); x' } });
    const r = await run('sh', ['-c', shellJoin(local.argv)]);
    expect(r.stdout).toBe('$(reboot); x');
  });
});
