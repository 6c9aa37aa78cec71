import { mkdir, open, readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ApplyResultSchema, PlanSchema, type ExperimentShape } from '../../../shared/domain';
import { explainInvalidName } from '../../../shared/names';
import { HardenLabError } from '../errors';

/**
 * The journal: one append-only JSON-lines file per profile. Each event is one
 * line, written and fsynced before the work it announces goes on, so a crash
 * of the app at any moment leaves a record of what was under way. An
 * experiment whose intent has no outcome is "open": the next start reports it
 * and offers to revert to its pre-change snapshot.
 */
const head = { experimentId: z.string(), at: z.string() };
/**
 * A line is folded only when it has the shape of a record: valid JSON of
 * another shape (a bug, a hand edit, a line from a future version) would
 * otherwise set an experiment's status from fields that are not there.
 */
export const JournalRecordSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('intent'), ...head, profile: z.string(), step: z.string(), plan: PlanSchema, snapshot: z.object({ id: z.string(), name: z.string() }).nullable() }),
  z.object({ type: z.literal('log'), ...head, phase: z.string(), message: z.string() }),
  z.object({ type: z.literal('outcome'), ...head, result: ApplyResultSchema }),
  z.object({ type: z.literal('resolved'), ...head, how: z.enum(['marked', 'reverted']), note: z.string().optional() }),
]);
export type JournalRecord = z.infer<typeof JournalRecordSchema>;

export interface JournalReadResult {
  experiments: ExperimentShape[];
  /** Lines that are not a whole record: a torn write after a crash, or a record of the wrong shape. */
  damagedLines: number;
}

/** Splits journal text into records and the number of lines that are not one. */
export function parseRecords(text: string): { records: JournalRecord[]; damaged: number } {
  const records: JournalRecord[] = [];
  let damaged = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      damaged++;
      continue;
    }
    const parsed = JournalRecordSchema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
    else damaged++;
  }
  return { records, damaged };
}

/**
 * The bytes to append for a record. A file that does not end in a newline
 * ends in the fragment of a write cut short by a crash: without a newline
 * first, the new record would be glued to the fragment and be lost with it.
 */
export function lineToAppend(record: JournalRecord, lastByte: number | null): string {
  const line = JSON.stringify(record) + '\n';
  return lastByte === null || lastByte === 0x0a ? line : '\n' + line;
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

/**
 * Makes a new directory entry durable: fsyncing a file does not persist its
 * name in the directory, so after a power cut a journal created just before
 * could be missing altogether. Windows cannot open a directory for fsync and
 * its file systems journal the metadata themselves.
 */
async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (e) {
    // Some file systems (network ones, for instance) cannot fsync a directory: there is nothing more to do there.
    if (!['EINVAL', 'ENOTSUP'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await fh.close();
  }
}

/** The directories whose entries changed when `mkdir -p` made `created` (its first new directory) on the way to `dir`. */
export function parentsToSync(created: string | undefined, dir: string): string[] {
  if (created === undefined) return [];
  const out: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    out.unshift(dirname(d));
    if (d === resolve(created) || d === dirname(d)) return out;
  }
}

export class Journal {
  readonly dir: string;
  /** Appends per file, in order: within one process a record never races the newline check of another. */
  private readonly appending = new Map<string, Promise<void>>();

  constructor(home: string) {
    this.dir = join(home, 'journal');
  }

  fileFor(profile: string): string {
    const bad = explainInvalidName('profile', profile);
    if (bad) throw new HardenLabError('BAD_INPUT', bad);
    return join(this.dir, `${profile}.jsonl`);
  }

  append(profile: string, record: JournalRecord): Promise<void> {
    const file = this.fileFor(profile);
    const prev = this.appending.get(file) ?? Promise.resolve();
    const mine = prev.catch(() => undefined).then(() => this.appendNow(file, record));
    this.appending.set(file, mine);
    void mine.finally(() => {
      if (this.appending.get(file) === mine) this.appending.delete(file);
    }).catch(() => undefined);
    return mine;
  }

  private async appendNow(file: string, record: JournalRecord): Promise<void> {
    for (const d of parentsToSync(await mkdir(this.dir, { recursive: true, mode: 0o700 }), this.dir)) await fsyncDir(d);
    // a+: appends still go to the end (O_APPEND), and the last byte can be read first.
    const fh = await open(file, 'a+', 0o600);
    try {
      const { size } = await fh.stat();
      let lastByte: number | null = null;
      if (size > 0) {
        const buf = Buffer.alloc(1);
        await fh.read(buf, 0, 1, size - 1);
        lastByte = buf[0]!;
      }
      await fh.write(lineToAppend(record, lastByte));
      await fh.sync();
      if (size === 0) await fsyncDir(this.dir);
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
    const { records, damaged } = parseRecords(text);
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
