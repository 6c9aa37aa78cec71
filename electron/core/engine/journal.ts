import { mkdir, open, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApplyResultShape, ExperimentShape, PlanShape } from '../../../shared/domain';
import { explainInvalidName } from '../../../shared/names';
import { HardenLabError } from '../errors';

/**
 * The journal: one append-only JSON-lines file per profile. Each event is one
 * line, written and fsynced before the work it announces goes on, so a crash
 * of the app at any moment leaves a record of what was under way. An
 * experiment whose intent has no outcome is "open": the next start reports it
 * and offers to revert to its pre-change snapshot.
 */
export type JournalRecord =
  | { type: 'intent'; experimentId: string; at: string; profile: string; step: string; plan: PlanShape; snapshot: { id: string; name: string } | null }
  | { type: 'log'; experimentId: string; at: string; phase: string; message: string }
  | { type: 'outcome'; experimentId: string; at: string; result: ApplyResultShape }
  | { type: 'resolved'; experimentId: string; at: string; how: 'marked' | 'reverted'; note?: string };

export interface JournalReadResult {
  experiments: ExperimentShape[];
  /** Lines that could not be parsed (a torn last line after a crash, for instance). */
  damagedLines: number;
}

/** Folds records into experiments; pure, so replay is tested without files. */
export function foldRecords(records: JournalRecord[]): ExperimentShape[] {
  const byId = new Map<string, ExperimentShape>();
  for (const r of records) {
    if (r.type === 'intent') {
      byId.set(r.experimentId, {
        id: r.experimentId,
        profile: r.profile,
        step: r.step,
        status: 'open',
        startedAt: r.at,
        snapshot: r.snapshot,
        plan: r.plan,
        log: [],
      });
      continue;
    }
    const e = byId.get(r.experimentId);
    if (!e) continue;
    if (r.type === 'log') e.log.push({ at: r.at, phase: r.phase, message: r.message });
    else if (r.type === 'outcome') {
      e.result = r.result;
      e.endedAt = r.at;
      e.status = r.result.outcome === 'verified' || r.result.outcome === 'nothing-to-do' ? 'verified' : r.result.outcome === 'reverted' ? 'reverted' : 'revert-failed';
    } else if (r.type === 'resolved') {
      e.endedAt ??= r.at;
      e.status = r.how === 'reverted' ? 'reverted' : 'resolved';
      e.log.push({ at: r.at, phase: 'resolved', message: r.note ?? (r.how === 'reverted' ? 'Reverted to the pre-change snapshot.' : 'Marked as resolved.') });
    }
  }
  return [...byId.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

export class Journal {
  readonly dir: string;

  constructor(home: string) {
    this.dir = join(home, 'journal');
  }

  fileFor(profile: string): string {
    const bad = explainInvalidName('profile', profile);
    if (bad) throw new HardenLabError('BAD_INPUT', bad);
    return join(this.dir, `${profile}.jsonl`);
  }

  async append(profile: string, record: JournalRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const line = JSON.stringify(record) + '\n';
    const fh = await open(this.fileFor(profile), 'a', 0o600);
    try {
      await fh.write(line);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async read(profile: string): Promise<JournalReadResult> {
    let text: string;
    try {
      text = await readFile(this.fileFor(profile), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { experiments: [], damagedLines: 0 };
      throw e;
    }
    const records: JournalRecord[] = [];
    let damaged = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as JournalRecord);
      } catch {
        damaged++;
      }
    }
    return { experiments: foldRecords(records), damagedLines: damaged };
  }

  async profiles(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -'.jsonl'.length));
    } catch {
      return [];
    }
  }

  async openExperiments(profile?: string): Promise<ExperimentShape[]> {
    const names = profile ? [profile] : await this.profiles();
    const out: ExperimentShape[] = [];
    for (const p of names) out.push(...(await this.read(p)).experiments.filter((e) => e.status === 'open'));
    return out;
  }
}
