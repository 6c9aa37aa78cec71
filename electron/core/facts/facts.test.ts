import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DistroAdapter } from '../distro/types';
import type { Target, TargetProbeItem } from '../engine/target';
import { HardenLabError } from '../errors';
import { createFacts } from './cache';
import { parseReadGlobs, readGlobsCommand } from './files';
import { answer, defineFact } from './provider';

const root = mkdtempSync(join(tmpdir(), 'hl-facts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs each command of a probe here, with the real sh (the same script the VM runs). */
function localTarget(): { target: Target; probes: Array<string[]> } {
  const probes: Array<string[]> = [];
  const target = {
    profile: { host: 'local' },
    probe: async (commands: Record<string, readonly string[]>) => {
      probes.push(Object.keys(commands));
      const out: Record<string, TargetProbeItem> = {};
      for (const [k, argv] of Object.entries(commands)) {
        const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
        out[k] = { code: r.status, stdout: r.stdout };
      }
      return out;
    },
  } as unknown as Target;
  return { target, probes };
}

const env = { distro: {} as DistroAdapter, host: 'local', user: 'lab' };

describe('files listed and read in one command', () => {
  it('reads every file the patterns name, exactly, in the shell\'s order', () => {
    const d = join(root, 'conf.d');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, '10-a.conf'), 'a = 1\n');
    // A content that looks like our header, no trailing newline, and multibyte text: the length prefix ends each file.
    writeFileSync(join(d, '20-b.conf'), `5 /etc/forged\nb = "ä ✓"`);
    writeFileSync(join(d, '30-empty.conf'), '');
    writeFileSync(join(d, 'ignored.txt'), 'no');
    const argv = readGlobsCommand([`${d}/*.conf`, `${d}/10-a.conf`, `${root}/missing/*.conf`]);
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(parseReadGlobs(r.stdout)).toEqual([
      { path: `${d}/10-a.conf`, content: 'a = 1\n' },
      { path: `${d}/20-b.conf`, content: `5 /etc/forged\nb = "ä ✓"` },
      { path: `${d}/30-empty.conf`, content: '' },
    ]);
  });

  it('drops a torn tail instead of inventing content', () => {
    expect(parseReadGlobs('3 /etc/a\nabc10 /etc/b\nshort')).toEqual([{ path: '/etc/a', content: 'abc' }]);
    expect(parseReadGlobs('')).toEqual([]);
  });
});

describe('the facts of one operation', () => {
  const echo = (id: string, text: string) => defineFact({ id, commands: () => ({ out: ['printf', '%s', text] }), parse: (a) => answer(a, 'out').stdout });
  const a = echo('t.a', 'A');
  const b = echo('t.b', 'B');
  const listed = defineFact({
    id: 't.listed',
    commands: () => ({ names: ['printf', '%s\\n', 'x', 'y'] }),
    then: (first) => Object.fromEntries(answer(first, 'names').stdout.trim().split('\n').map((n) => [n, ['printf', '%s', n.toUpperCase()]])),
    parse: (_first, second) => Object.values(second).map((s) => s?.stdout).join(''),
  });
  const broken = defineFact<string>({
    id: 't.broken',
    commands: () => ({ out: ['false'] }),
    parse: () => {
      throw new HardenLabError('REMOTE_COMMAND_FAILED', 'no such thing');
    },
  });

  it('reads facts asked for together in one round trip, and each only once', async () => {
    const { target, probes } = localTarget();
    const facts = createFacts(() => target, env);
    expect(await Promise.all([facts.get(a), facts.get(b), facts.get(a)])).toEqual(['A', 'B', 'A']);
    expect(probes).toEqual([['t.a:out', 't.b:out']]);
    expect(await facts.get(b)).toBe('B');
    expect(facts.roundTrips).toBe(1);
  });

  it('runs every second round of a gather in one more round trip', async () => {
    const { target, probes } = localTarget();
    const facts = createFacts(() => target, env);
    await facts.gather([a, listed, b]);
    expect(probes).toEqual([['t.a:out', 't.listed:names', 't.b:out'], ['t.listed:x', 't.listed:y']]);
    expect(await facts.get(listed)).toBe('XY');
    expect(facts.roundTrips).toBe(2);
  });

  it('keeps an unreadable fact to the steps that read it', async () => {
    const { target } = localTarget();
    const facts = createFacts(() => target, env);
    await facts.gather([a, broken]);
    await expect(facts.get(broken)).rejects.toThrow('no such thing');
    expect(await facts.get(a)).toBe('A');
  });

  it('caches nothing from a round trip that failed, so the next read tries again', async () => {
    let fail = true;
    const { target } = localTarget();
    const flaky = { ...target, probe: async (c: Record<string, readonly string[]>) => {
      if (fail) throw new HardenLabError('NOT_CONNECTED', 'the link dropped');
      return target.probe(c);
    } } as unknown as Target;
    const facts = createFacts(() => flaky, env);
    await expect(facts.get(a)).rejects.toThrow('the link dropped');
    fail = false;
    expect(await facts.get(a)).toBe('A');
  });
});
