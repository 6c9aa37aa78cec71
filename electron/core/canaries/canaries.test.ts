import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanarySchema, type Canary, type CanaryInput, type CanaryResult } from '../../../shared/canary';
import type { Profile } from '../../../shared/profile';
import type { Target, TargetExecResult } from '../engine/target';
import { canaryChecks, compareCanaries, withRebootRun } from './compare';
import { runCanaries } from './run';
import { CanaryStore, parseCanary } from './store';

// The canaries' scripts run for real here, with this machine's sh, bash,
// timeout, curl and wget standing in for the VM's: a Target that runs argv
// locally, the way the SSH layer runs it remotely (no shell in between).
function localTarget(env: NodeJS.ProcessEnv = process.env): Target {
  return {
    profile: { name: 'local' } as Profile,
    exec: (argv, opts) =>
      new Promise<TargetExecResult>((resolve, reject) => {
        const started = Date.now();
        execFile(argv[0]!, argv.slice(1), { env, timeout: opts?.timeoutMs ?? 30_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
          const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string }) | null;
          if (e?.killed) return reject(Object.assign(new Error('timed out'), { code: 'TIMEOUT' }));
          resolve({ code: e ? (typeof e.code === 'number' ? e.code : 127) : 0, signal: e?.signal ?? null, stdout, stderr, truncated: false, durationMs: Date.now() - started });
        });
      }),
    probe: () => Promise.reject(new Error('not used')),
    readFile: () => Promise.reject(new Error('not used')),
    writeFile: () => Promise.reject(new Error('not used')),
  };
}

const login = async () => ({ ok: true, evidence: 'uid 0 after a fresh login' });
const canary = (c: CanaryInput): Canary => CanarySchema.parse(c);

async function runOne(c: CanaryInput, target = localTarget()): Promise<CanaryResult> {
  const [, r] = await runCanaries([canary(c)], { target, freshLogin: login });
  return r!;
}

describe('canary definitions refuse bad input with a clear error', () => {
  it.each([
    [{ kind: 'weird', name: 'x' }, /There is no canary kind "weird"/],
    [{ kind: 'command', name: 'a;b', argv: ['true'] }, /"a;b" is not a valid canary name/],
    [{ kind: 'command', name: '../etc', argv: ['true'] }, /not a valid canary name/],
    [{ kind: 'command', name: 'ssh-login', argv: ['true'] }, /built-in login canary/],
    [{ kind: 'command', name: 'x', argv: [] }, /Give the command to run after --/],
    [{ kind: 'command', name: 'x', argv: ['a\0b'] }, /NUL byte/],
    [{ kind: 'command', name: 'x', argv: ['true'], stdoutMatch: '(' }, /not a valid regular expression/],
    [{ kind: 'command', name: 'x', argv: ['true'], extra: 1 }, /Unrecognized key/],
    [{ kind: 'tcp', name: 'x', port: 0 }, /port/],
    [{ kind: 'tcp', name: 'x', port: 22, host: 'a b' }, /not a valid host name/],
    [{ kind: 'http', name: 'x', url: 'file:///etc/passwd' }, /Only http/],
    [{ kind: 'http', name: 'x', url: 'http://a b/' }, /not a URL|spaces/],
    [{ kind: 'service', name: 'x', unit: 'docker; reboot' }, /not a valid unit name/],
    [{ kind: 'container', name: 'x', container: 'a', image: 'b' }, /either a running container/],
    [{ kind: 'container', name: 'x' }, /either a running container/],
    [{ kind: 'container', name: 'x', image: '-v/:/host' }, /not a valid image name/],
    [{ kind: 'container', name: 'x', container: 'web', argv: ['sh'] }, /belongs to an --image canary/],
  ])('%j', (input, message) => {
    expect(() => parseCanary(input)).toThrow(message);
    try {
      parseCanary(input);
    } catch (e) {
      expect((e as { code: string }).code).toBe('BAD_INPUT');
    }
  });
});

describe('canaries run for real', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-canary-'));
  let tcpPort = 0;
  let closedPort = 0;
  let httpPort = 0;
  const servers: Array<{ close(): void }> = [];

  beforeAll(async () => {
    const tcp = createServer((s) => s.end());
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    tcpPort = (tcp.address() as AddressInfo).port;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const http = createHttpServer((req, res) => {
      res.writeHead(req.url === '/health?full=1' ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(req.url === '/health?full=1' ? 'status: ok\n' : 'down\n');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpPort = (http.address() as AddressInfo).port;
    servers.push(tcp, http);
  });
  afterAll(() => servers.forEach((s) => s.close()));

  it('passes shell metacharacters to the program literally', async () => {
    const marker = join(dir, 'pwned');
    const text = `$(touch ${marker}); \`touch ${marker}\` && touch ${marker} | 'quote' "dq" \\ *`;
    const r = await runOne({ kind: 'command', name: 'literal', argv: ['printf', '%s', text], stdoutMatch: 'quote' });
    expect(r.ok, r.evidence).toBe(true);
    expect(r.evidence).toContain(`$(touch ${marker})`);
    expect(existsSync(marker)).toBe(false);
  });

  it('judges the exit code and the stdout pattern', async () => {
    expect((await runOne({ kind: 'command', name: 'x', argv: ['sh', '-c', 'echo fine; exit 3'], expectExit: 3 })).ok).toBe(true);
    const wrong = await runOne({ kind: 'command', name: 'x', argv: ['sh', '-c', 'echo nope >&2; exit 1'] });
    expect(wrong).toMatchObject({ ok: false, evidence: 'exit 1 (wanted 0); stderr: nope' });
    const unmatched = await runOne({ kind: 'command', name: 'x', argv: ['echo', '0000 0000'], stdoutMatch: '[1-9a-f]' });
    expect(unmatched).toMatchObject({ ok: false, evidence: 'exit 0, but stdout does not match /[1-9a-f]/: 0000 0000' });
  });

  it('stops a canary that hangs at its timeout and never holds up the others', async () => {
    const t0 = Date.now();
    const results = await runCanaries([canary({ kind: 'command', name: 'hangs', argv: ['sleep', '60'], timeoutSec: 1 }), canary({ kind: 'command', name: 'quick', argv: ['true'] })], { target: localTarget(), freshLogin: login });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(results.map((r) => [r.name, r.ok, r.evidence])).toEqual([
      ['ssh-login', true, 'uid 0 after a fresh login'],
      ['hangs', false, 'did not finish within 1 s'],
      ['quick', true, 'exit 0'],
    ]);
  });

  it('opens TCP connections inside the "VM" and from here', async () => {
    expect(await runOne({ kind: 'tcp', name: 'x', port: tcpPort })).toMatchObject({ ok: true, evidence: `127.0.0.1:${tcpPort} accepted a connection` });
    expect((await runOne({ kind: 'tcp', name: 'x', port: closedPort })).ok).toBe(false);
    expect(await runOne({ kind: 'tcp', name: 'x', port: tcpPort, from: 'host' })).toMatchObject({ ok: true });
    expect(await runOne({ kind: 'tcp', name: 'x', port: closedPort, from: 'host' })).toMatchObject({ ok: false, evidence: expect.stringContaining('ECONNREFUSED') });
  });

  // Debian's minimal lab image has neither curl nor wget: the plain HTTP/1.0 request over bash's /dev/tcp is what runs there.
  const onlyBash = mkdtempSync(join(tmpdir(), 'hl-canary-path-'));
  for (const tool of ['sh', 'bash', 'timeout', 'cat', 'printf', 'mktemp', 'rm', 'sed', 'tail']) {
    const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (found) symlinkSync(found, join(onlyBash, tool));
  }
  const tools: Array<[string, NodeJS.ProcessEnv | null]> = [
    ['curl', existsSync('/usr/bin/curl') ? process.env : null],
    ['bash /dev/tcp only', { PATH: onlyBash }],
  ];
  it.each(tools)('checks the HTTP status and body with %s', async (_tool, env) => {
    if (!env) return;
    const target = localTarget(env);
    const url = `http://127.0.0.1:${httpPort}/health?full=1`;
    expect(await runOne({ kind: 'http', name: 'x', url, bodyMatch: '^status: ok$' }, target)).toMatchObject({ ok: true, evidence: 'HTTP 200, body matches /^status: ok$/' });
    expect(await runOne({ kind: 'http', name: 'x', url: `http://127.0.0.1:${httpPort}/other` }, target)).toMatchObject({ ok: false, evidence: 'HTTP 503 (wanted 200)' });
    expect(await runOne({ kind: 'http', name: 'x', url, bodyMatch: 'healthy' }, target)).toMatchObject({ ok: false, evidence: 'HTTP 200, but the body does not match /healthy/: status: ok' });
    expect((await runOne({ kind: 'http', name: 'x', url: `http://127.0.0.1:${closedPort}/` }, target)).evidence).toMatch(/^no HTTP answer from/);
  });

  it('says so when the VM has no service manager to ask', async () => {
    const none = mkdtempSync(join(tmpdir(), 'hl-canary-none-'));
    for (const tool of ['sh', 'timeout']) symlinkSync(['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p))!, join(none, tool));
    const r = await runOne({ kind: 'service', name: 'x', unit: 'docker.service' }, localTarget({ PATH: none }));
    expect(r).toMatchObject({ ok: false, evidence: 'the VM has neither systemd nor OpenRC to ask about docker.service' });
  });

  it('reports a container engine that is missing as a failed canary, not an error', async () => {
    writeFileSync(join(dir, 'x'), '');
    const r = await runOne({ kind: 'container', name: 'x', engine: 'podman', image: 'hl-test', argv: ['true'] }, localTarget({ PATH: onlyBash }));
    expect(r.ok).toBe(false);
    expect(r.evidence).toMatch(/^podman run --rm hl-test: exit 127/);
  });
});

describe('comparing canaries across a change', () => {
  const r = (name: string, ok: boolean, evidence = ok ? 'fine' : 'broken'): CanaryResult => ({ name, kind: name === 'ssh-login' ? 'login' : 'command', ok, evidence, durationMs: 1 });
  const defs = [canary({ kind: 'command', name: 'agent', argv: ['true'] })];

  it('fails the verify for a canary that broke, and leaves one that already failed out of it', () => {
    const before = [r('ssh-login', true), r('agent', true), r('flaky', false, 'down before')];
    const after = [r('ssh-login', true), r('agent', false, 'exit 1'), r('flaky', false, 'still down')];
    const compared = compareCanaries(before, after, defs);
    expect(compared.map((c) => [c.name, c.verdict])).toEqual([
      ['ssh-login', 'held'],
      ['agent', 'broke'],
      ['flaky', 'already-failing'],
    ]);
    expect(compared[1]!.definition).toEqual(defs[0]);
    expect(canaryChecks(compared)).toEqual([
      { name: 'The VM still accepts a fresh login with elevation', ok: true, evidence: 'fine' },
      { name: 'Canary "agent" still passes', ok: false, evidence: 'before: fine; after: exit 1' },
    ]);
  });

  it('marks what broke only after the reboot', () => {
    const compared = compareCanaries([r('ssh-login', true), r('agent', true)], [r('ssh-login', true), r('agent', true)], defs);
    const rebooted = withRebootRun(compared, [r('ssh-login', true), r('agent', false, 'exit 1')]);
    expect(rebooted.map((c) => c.verdict)).toEqual(['held', 'broke-after-reboot']);
    expect(canaryChecks(rebooted, 'afterReboot')[1]).toEqual({ name: 'Canary "agent" still passes', ok: false, evidence: 'before: fine; after the reboot: exit 1' });
  });
});

describe('the canary store', () => {
  it('keeps canaries per profile, refuses a duplicate name, removes, and forgets with the profile', async () => {
    const store = new CanaryStore(mkdtempSync(join(tmpdir(), 'hl-canary-store-')));
    await store.add('lab', { kind: 'command', name: 'agent', argv: ['sh', '-c', 'a | b'] });
    await store.add('other', { kind: 'tcp', name: 'web', port: 80 });
    await expect(store.add('lab', { kind: 'command', name: 'agent', argv: ['true'] })).rejects.toMatchObject({ code: 'BAD_INPUT', message: 'lab already has a canary named "agent".' });
    await store.add('lab', { kind: 'command', name: 'agent', argv: ['true'] }, { replace: true });
    expect(await store.list('lab')).toEqual([{ kind: 'command', name: 'agent', argv: ['true'], elevated: false, expectExit: 0, timeoutSec: 30 }]);
    expect(await store.remove('lab', 'nope')).toBe(false);
    expect(await store.remove('lab', 'agent')).toBe(true);
    await store.forget('other');
    expect(await store.list('other')).toEqual([]);
    await expect(store.list('../x')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('loses no canary when several doors add at once (one lock around read, change, write)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hl-canary-store-'));
    await Promise.all(Array.from({ length: 12 }, (_, i) => new CanaryStore(home).add(i % 2 ? 'lab' : 'other', { kind: 'command', name: `c${i}`, argv: ['true'] })));
    expect((await new CanaryStore(home).list('lab')).map((c) => c.name).sort()).toEqual(['c1', 'c11', 'c3', 'c5', 'c7', 'c9']);
    expect(await new CanaryStore(home).list('other')).toHaveLength(6);
    await Promise.all([new CanaryStore(home).remove('lab', 'c1'), new CanaryStore(home).remove('lab', 'c3'), new CanaryStore(home).forget('other')]);
    expect((await new CanaryStore(home).list('lab')).map((c) => c.name).sort()).toEqual(['c11', 'c5', 'c7', 'c9']);
    expect(existsSync(join(home, 'canaries.json.lock'))).toBe(false);
  });

  it('says which canary in the file is broken instead of dropping it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hl-canary-store-'));
    writeFileSync(join(home, 'canaries.json'), JSON.stringify({ version: 1, profiles: { lab: [{ kind: 'command', name: 'x', argv: [] }] } }));
    await expect(new CanaryStore(home).list('lab')).rejects.toThrow(/Canary 1 of lab in .* is not valid: argv: Give the command/);
  });
});
