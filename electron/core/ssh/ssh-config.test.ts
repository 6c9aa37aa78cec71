import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileSchema } from '../../../shared/profile';
import { concreteHostAliases, expandTokens, hostPatternsMatch, parseSshConfig, resolveHost, tokenizeConfigLine } from './ssh-config';
import { importSshConfig } from './ssh-config-import';
import { tempDir } from './testing/local-tools';

const CONFIG = `
# global defaults come first
User globaluser
IdentityFile ~/.ssh/id_global

Host lab lab-alias
    HostName 127.0.0.1
    Port 2222
    User hl
    IdentityFile ~/.ssh/lab_key
    IdentityFile "%d/.ssh/second key"

Host=jumped
  HostName=10.0.2.15
  ProxyJump admin@bastion.example:2200

Host *.internal !secret.internal
  User internal-user
  Port 2200

Host web.internal
  HostName 192.0.2.7
  Port 22

Match host foo exec "true"
  User matched

Host *
  Port 22
  User fallback
  ProxyCommand none
`;

describe('ssh_config parsing', () => {
  const blocks = parseSshConfig(CONFIG);

  it('tokenizes quotes and comments like ssh', () => {
    expect(tokenizeConfigLine('a "b c" d # comment')).toEqual(['a', 'b c', 'd']);
    expect(tokenizeConfigLine('"" x')).toEqual(['', 'x']);
  });

  it('splits into global, Host and Match blocks (keyword=value too)', () => {
    expect(blocks.map((b) => b.kind)).toEqual(['global', 'host', 'host', 'host', 'host', 'match', 'host']);
    expect(blocks[2]!.patterns).toEqual(['jumped']);
    expect(blocks[2]!.options[0]).toEqual({ key: 'hostname', args: ['10.0.2.15'] });
  });

  it('first value wins, IdentityFile accumulates, global options apply', () => {
    const r = resolveHost(blocks, 'lab');
    expect(r).toMatchObject({ hostName: '127.0.0.1', port: 2222, user: 'globaluser' });
    expect(r.identityFiles).toEqual(['~/.ssh/id_global', '~/.ssh/lab_key', '%d/.ssh/second key']);
  });

  it('wildcards and negation decide which blocks apply; Match blocks are skipped', () => {
    expect(hostPatternsMatch(['*.internal', '!secret.internal'], 'db.internal')).toBe(true);
    expect(hostPatternsMatch(['*.internal', '!secret.internal'], 'secret.internal')).toBe(false);
    expect(resolveHost(blocks, 'web.internal')).toMatchObject({ hostName: '192.0.2.7', port: 2200 });
    expect(resolveHost(blocks, 'secret.internal').port).toBe(22);
    expect(resolveHost(blocks, 'foo').user).toBe('globaluser');
    expect(resolveHost(blocks, 'jumped').proxyJump).toBe('admin@bastion.example:2200');
    expect(resolveHost(blocks, 'lab').proxyCommand).toBeUndefined();
  });

  it('lists only literal aliases as importable', () => {
    expect(concreteHostAliases(blocks)).toEqual(['lab', 'lab-alias', 'jumped', 'web.internal']);
  });

  it('expands ~ and percent tokens', () => {
    const ctx = { alias: 'lab', host: '127.0.0.1', port: 2222, remoteUser: 'hl', localUser: 'me', home: '/home/me' };
    expect(expandTokens('~/.ssh/id_%r@%h:%p', ctx)).toBe('/home/me/.ssh/id_hl@127.0.0.1:2222');
    expect(expandTokens('%d/%u/%n/%%', ctx)).toBe('/home/me/me/lab/%');
  });
});

describe('importSshConfig (real files)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(join(dir.path, '.ssh', 'conf.d'), { recursive: true });
    await writeFile(join(dir.path, '.ssh', 'lab_key'), 'not read here');
    await writeFile(join(dir.path, '.ssh', 'config'), `Include conf.d/*.conf\n${CONFIG}`);
    await writeFile(join(dir.path, '.ssh', 'conf.d', '10-extra.conf'), 'Host extra\n  HostName 198.51.100.4\n  User ops\n');
    await writeFile(join(dir.path, '.ssh', 'conf.d', 'ignored.txt'), 'Host nope\n');
  });
  afterAll(async () => dir.cleanup());

  it('returns valid profiles for all concrete hosts, following Include', () => {
    const got = importSshConfig({ home: dir.path, localUser: 'me', env: {} });
    expect(got.map((c) => c.alias)).toEqual(['extra', 'lab', 'lab-alias', 'jumped', 'web.internal']);
    for (const c of got) expect(ProfileSchema.safeParse(c.profile).success).toBe(true);
    const lab = got.find((c) => c.alias === 'lab')!;
    expect(lab.profile).toMatchObject({ name: 'lab', host: '127.0.0.1', port: 2222, user: 'globaluser', origin: 'ssh-config', auth: { kind: 'key', keyPath: join(dir.path, '.ssh', 'lab_key') } });
    expect(got.find((c) => c.alias === 'extra')!.profile).toMatchObject({ host: '198.51.100.4', user: 'ops', auth: { kind: 'password' } });
    expect(got.find((c) => c.alias === 'jumped')!.profile.proxyJump).toBe('admin@bastion.example:2200');
  });

  it('imports one alias, prefers the agent when no key file exists, and says what it could not use', () => {
    const [c] = importSshConfig({ home: dir.path, localUser: 'me', env: { SSH_AUTH_SOCK: '/tmp/agent.sock' }, host: 'web.internal' });
    expect(c!.profile.auth).toEqual({ kind: 'agent' });
    expect(c!.warnings.join(' ')).toContain('does not exist');
    expect(() => importSshConfig({ home: join(dir.path, 'nowhere'), host: 'x' })).toThrow(/no SSH config/);
    expect(importSshConfig({ home: join(dir.path, 'nowhere') })).toEqual([]);
  });
});
