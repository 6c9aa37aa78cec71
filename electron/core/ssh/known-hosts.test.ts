import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../proc';
import { parsePublicKeyText } from './host-key';
import {
  entriesForHost,
  formatKnownHostLine,
  hashHostName,
  hostFieldMatches,
  hostLookupName,
  parseKnownHosts,
  removeHostFromKnownHosts,
  serializeKnownHosts,
  wildcardMatch,
  type KnownHostEntry,
} from './known-hosts';
import { generateKey, sshKeygen, tempDir } from './testing/local-tools';

const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const key = parsePublicKeyText(ED)!;

const SAMPLE = [
  '# managed by hand',
  '',
  `vm1.example.org,192.0.2.10 ${ED} first`,
  `[127.0.0.1]:2222 ${ED}`,
  `*.lab.example,!bad.lab.example ${ED} wildcard`,
  `@revoked * ${ED}`,
  `@cert-authority *.corp ${ED}`,
  `@bogus host ${ED}`,
  'not a key line',
  `\t  spaced.example   ${ED}   comment with  spaces`,
].join('\n');

describe('known_hosts parsing', () => {
  const lines = parseKnownHosts(SAMPLE + '\n', '/x/known_hosts');

  it('classifies every line and keeps its text', () => {
    expect(lines.map((l) => l.kind)).toEqual(['comment', 'blank', 'entry', 'entry', 'entry', 'entry', 'entry', 'invalid', 'invalid', 'entry']);
    const first = lines[2] as KnownHostEntry;
    expect(first.hosts).toBe('vm1.example.org,192.0.2.10');
    expect(first.comment).toBe('first');
    expect(first.source).toEqual({ file: '/x/known_hosts', line: 3 });
    expect((lines[5] as KnownHostEntry).marker).toBe('revoked');
    expect((lines[6] as KnownHostEntry).marker).toBe('cert-authority');
    expect((lines[9] as KnownHostEntry).hosts).toBe('spaced.example');
  });

  it('serializes an unchanged file byte for byte', () => {
    expect(serializeKnownHosts(lines)).toBe(SAMPLE + '\n');
    expect(serializeKnownHosts(parseKnownHosts('a b\r\n'))).toBe('a b\n');
    expect(serializeKnownHosts([])).toBe('');
  });

  it('matches names, comma lists, [host]:port and wildcards with negation', () => {
    expect(hostFieldMatches('vm1.example.org,192.0.2.10', '192.0.2.10', 22)).toBe(true);
    expect(hostFieldMatches('vm1.example.org,192.0.2.10', 'VM1.Example.org', 22)).toBe(true);
    expect(hostFieldMatches('vm1.example.org,192.0.2.10', 'vm1.example.org', 2222)).toBe(false);
    expect(hostFieldMatches('[127.0.0.1]:2222', '127.0.0.1', 2222)).toBe(true);
    expect(hostFieldMatches('[127.0.0.1]:2222', '127.0.0.1', 22)).toBe(false);
    expect(hostFieldMatches('*.lab.example,!bad.lab.example', 'good.lab.example', 22)).toBe(true);
    expect(hostFieldMatches('*.lab.example,!bad.lab.example', 'bad.lab.example', 22)).toBe(false);
    expect(hostFieldMatches('[127.0.0.?]:*', '127.0.0.5', 2200)).toBe(true);
    expect(hostLookupName('[::1]', 22)).toBe('::1');
    expect(hostLookupName('::1', 2222)).toBe('[::1]:2222');
  });

  it('implements OpenSSH wildcards (* any run, ? one char)', () => {
    expect(wildcardMatch('*', '')).toBe(true);
    expect(wildcardMatch('a*b*c', 'aXXbYc')).toBe(true);
    expect(wildcardMatch('a*b*c', 'aXXbY')).toBe(false);
    expect(wildcardMatch('h?st', 'host')).toBe(true);
    expect(wildcardMatch('h?st', 'hst')).toBe(false);
    expect(wildcardMatch('10.0.*', '10.0.2.15')).toBe(true);
  });

  it('finds the entries for a host (including @revoked for *)', () => {
    const got = entriesForHost(lines, '127.0.0.1', 2222).map((e) => e.hosts);
    expect(got).toEqual(['[127.0.0.1]:2222', '*']);
  });

  it('hashes names as OpenSSH does and matches them', () => {
    const salt = Buffer.alloc(20, 7);
    const h = hashHostName('[127.0.0.1]:2222', salt);
    expect(h.startsWith(`|1|${salt.toString('base64')}|`)).toBe(true);
    expect(hostFieldMatches(h, '127.0.0.1', 2222)).toBe(true);
    expect(hostFieldMatches(h, '127.0.0.1', 22)).toBe(false);
    expect(hostFieldMatches('|1|garbage', '127.0.0.1', 22)).toBe(false);
  });

  it('removes a host: cuts it from a multi-host line, drops single, hashed and wildcard lines, keeps markers', () => {
    const hashed = formatKnownHostLine({ host: '192.0.2.10', port: 22, key, hashed: true });
    const text = [`vm1.example.org,192.0.2.10,!nope ${ED}`, hashed, `192.0.2.10 ${ED}`, `192.0.2.* ${ED}`, `@revoked 192.0.2.10 ${ED}`, `other ${ED}`].join('\n') + '\n';
    const { lines: out, removed } = removeHostFromKnownHosts(parseKnownHosts(text), '192.0.2.10', 22);
    expect(removed).toBe(4);
    expect(serializeKnownHosts(out)).toBe([`vm1.example.org,!nope ${ED}`, `@revoked 192.0.2.10 ${ED}`, `other ${ED}`].join('\n') + '\n');
  });
});

describe.skipIf(!sshKeygen)('interoperates with OpenSSH ssh-keygen', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => dir.cleanup());

  it('reads entries that ssh-keygen -H hashed', async () => {
    const k = await generateKey(dir.path, 'hk');
    const file = join(dir.path, 'kh-hash');
    await writeFile(file, `[127.0.0.1]:2222 ${k.publicText}\nvm.example ${k.publicText}\n`);
    const r = await run('ssh-keygen', ['-H', '-f', file]);
    expect(r.code).toBe(0);
    const lines = parseKnownHosts(await readFile(file, 'utf8'));
    const entries = lines.filter((l): l is KnownHostEntry => l.kind === 'entry');
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => e.hosts.startsWith('|1|'))).toBe(true);
    expect(entriesForHost(lines, '127.0.0.1', 2222)).toHaveLength(1);
    expect(entriesForHost(lines, 'vm.example', 22)).toHaveLength(1);
    expect(entriesForHost(lines, 'vm.example', 2222)).toHaveLength(0);
  });

  it('writes lines ssh-keygen -F finds, plain and hashed, and -R removal agrees with ours', async () => {
    const k = await generateKey(dir.path, 'hk2');
    const file = join(dir.path, 'kh-ours');
    await writeFile(
      file,
      formatKnownHostLine({ host: '127.0.0.1', port: 2222, key: k.publicKey, comment: 'added by test' }) +
        '\n' +
        formatKnownHostLine({ host: 'vm.example', port: 22, key: k.publicKey, hashed: true }) +
        '\n',
    );
    expect((await run('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', file])).code).toBe(0);
    expect((await run('ssh-keygen', ['-F', 'vm.example', '-f', file])).code).toBe(0);
    expect((await run('ssh-keygen', ['-F', '127.0.0.1', '-f', file])).code).not.toBe(0);
    const { lines, removed } = removeHostFromKnownHosts(parseKnownHosts(await readFile(file, 'utf8')), 'vm.example', 22);
    expect(removed).toBe(1);
    await writeFile(file, serializeKnownHosts(lines));
    expect((await run('ssh-keygen', ['-F', 'vm.example', '-f', file])).code).not.toBe(0);
    expect((await run('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', file])).code).toBe(0);
  });
});
