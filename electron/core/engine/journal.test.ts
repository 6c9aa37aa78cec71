import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanShape } from '../../../shared/domain';
import { Journal, parentsToSync, type JournalRecord } from './journal';

const plan: PlanShape = {
  id: 'p1',
  step: 'ssh',
  profile: 'lab',
  createdAt: '2026-11-29T00:00:00Z',
  summary: 'Key-only SSH',
  files: [{ path: '/etc/ssh/sshd_config', before: 'a\n', after: 'b\n', diff: '-a\n+b\n' }],
  commands: [],
  packages: { install: [], remove: [] },
  rebootRequired: false,
  warnings: [],
  nothingToDo: false,
};
const intent: JournalRecord = { type: 'intent', experimentId: 'e1', at: '2026-11-29T00:00:00Z', profile: 'lab', step: 'ssh', plan, snapshot: { id: 's1', name: 'hl-ssh' } };
const resolved: JournalRecord = { type: 'resolved', experimentId: 'e1', at: '2026-11-29T00:05:00Z', how: 'marked' };

describe('journal', () => {
  let home: string;
  let journal: Journal;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'hl-journal-'));
    journal = new Journal(home);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('reads past a torn last line: the experiment it belonged to stays open', async () => {
    await journal.append('lab', intent);
    appendFileSync(journal.fileFor('lab'), '{"type":"outc');
    const r = await journal.read('lab');
    expect(r.damagedLines).toBe(1);
    expect(r.experiments[0]!.status).toBe('open');
  });

  it('keeps the record appended after a torn line (a crash mid-write) and resolves the experiment', async () => {
    await journal.append('lab', intent);
    // What a process killed in the middle of a write leaves: part of a record and no newline.
    appendFileSync(journal.fileFor('lab'), JSON.stringify({ type: 'log', experimentId: 'e1', at: '2026-11-29T00:01:00Z', phase: 'apply', message: 'Wrote' }).slice(0, 40));
    await journal.append('lab', resolved);

    const r = await journal.read('lab');
    expect(r.damagedLines).toBe(1);
    expect(r.experiments).toHaveLength(1);
    expect(r.experiments[0]).toMatchObject({ id: 'e1', status: 'resolved', endedAt: resolved.at });
    expect(await journal.openExperiments('lab')).toEqual([]);
  });

  it('counts a record of the wrong shape as damaged instead of folding it', async () => {
    await journal.append('lab', intent);
    const file = journal.fileFor('lab');
    // Valid JSON, wrong shape: an outcome without a result, an outcome whose result is not one, a bare value.
    appendFileSync(file, JSON.stringify({ type: 'outcome', experimentId: 'e1', at: '2026-11-29T00:02:00Z' }) + '\n');
    appendFileSync(file, JSON.stringify({ type: 'outcome', experimentId: 'e1', at: '2026-11-29T00:02:00Z', result: { outcome: 'verified' } }) + '\n');
    appendFileSync(file, 'null\n42\n');
    appendFileSync(file, JSON.stringify({ type: 'intent', experimentId: 'e2', at: '2026-11-29T00:03:00Z', profile: 'lab', step: 'ssh', plan: {}, snapshot: null }) + '\n');

    const r = await journal.read('lab');
    expect(r.damagedLines).toBe(5);
    expect(r.experiments.map((e) => [e.id, e.status])).toEqual([['e1', 'open']]);
    expect(r.experiments[0]!.result).toBeUndefined();
  });

  it('writes every record of concurrent appends whole, each on its own line', async () => {
    await journal.append('lab', intent);
    appendFileSync(journal.fileFor('lab'), '{"type":"lo');
    const logs = Array.from({ length: 40 }, (_, i): JournalRecord => ({ type: 'log', experimentId: 'e1', at: `2026-11-29T00:01:${String(i).padStart(2, '0')}Z`, phase: 'apply', message: `line ${i}` }));
    await Promise.all(logs.map((l) => journal.append('lab', l)));

    const r = await journal.read('lab');
    expect(r.damagedLines).toBe(1);
    expect(r.experiments[0]!.log.map((l) => l.message).sort()).toEqual(logs.map((l) => (l as { message: string }).message).sort());
    expect(readFileSync(journal.fileFor('lab'), 'utf8').endsWith('\n')).toBe(true);
  });
});

describe('parentsToSync', () => {
  it('names the directory of every directory mkdir -p created, outermost first', () => {
    expect(parentsToSync(undefined, '/h/journal')).toEqual([]);
    expect(parentsToSync('/h/journal', '/h/journal')).toEqual(['/h']);
    expect(parentsToSync('/h', '/h/journal')).toEqual(['/', '/h']);
  });
});
