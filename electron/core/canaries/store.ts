import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CANARY_KINDS, CanarySchema, type Canary, type CanaryInput } from '../../../shared/canary';
import { explainInvalidName } from '../../../shared/names';
import { writeFileAtomic } from '../atomic-file';
import { withFileLock } from '../file-lock';
import { HardenLabError } from '../errors';
import { hardenlabHome } from '../paths';

/**
 * The canaries of every profile, in one JSON file beside profiles.json
 * (written atomically). A canary that no longer parses (a hand edit, a file
 * from a newer version) is reported, not silently dropped on the next save.
 */
const FileSchema = z.object({ version: z.literal(1), profiles: z.record(z.string(), z.array(z.unknown())) });

export function explainCanaryIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'canary'}: ${i.message}`).join('; ');
}

/** Parses one canary as every door receives it; a BAD_INPUT error says what is wrong. */
export function parseCanary(input: unknown): Canary {
  const kind = (input as { kind?: unknown } | null)?.kind;
  if (typeof kind === 'string' && !(CANARY_KINDS as readonly string[]).includes(kind)) {
    throw new HardenLabError('BAD_INPUT', `There is no canary kind "${kind.slice(0, 40)}".`, { hint: `Kinds: ${CANARY_KINDS.join(', ')}.` });
  }
  const parsed = CanarySchema.safeParse(input);
  if (!parsed.success) throw new HardenLabError('BAD_INPUT', `The canary is not valid: ${explainCanaryIssues(parsed.error)}`);
  return parsed.data;
}

export class CanaryStore {
  readonly file: string;

  constructor(home: string = hardenlabHome()) {
    this.file = join(home, 'canaries.json');
  }

  private async readAll(): Promise<Record<string, unknown[]>> {
    let raw: string;
    try {
      raw = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
    let parsed;
    try {
      parsed = FileSchema.safeParse(JSON.parse(raw));
    } catch (e) {
      throw new HardenLabError('INTERNAL', `The canary file ${this.file} is not valid JSON.`, { hint: 'Fix or remove the file.', cause: e });
    }
    if (!parsed.success) throw new HardenLabError('INTERNAL', `The canary file ${this.file} is not in the expected shape.`, { hint: 'Fix or remove the file.' });
    return parsed.data.profiles;
  }

  async list(profile: string): Promise<Canary[]> {
    return this.mine(await this.readAll(), profile);
  }

  private mine(all: Record<string, unknown[]>, profile: string): Canary[] {
    const bad = explainInvalidName('profile', profile);
    if (bad) throw new HardenLabError('BAD_INPUT', bad);
    return (all[profile] ?? []).map((c, i) => {
      const parsed = CanarySchema.safeParse(c);
      if (!parsed.success) throw new HardenLabError('INTERNAL', `Canary ${i + 1} of ${profile} in ${this.file} is not valid: ${explainCanaryIssues(parsed.error)}`, { hint: 'Fix or remove it in the file.' });
      return parsed.data;
    });
  }

  /** Read, change, write under one lock: the app, the browser server and the CLI may edit at once. */
  private change<T>(what: string, fn: (all: Record<string, unknown[]>) => { next?: Record<string, unknown[]>; value: T }): Promise<T> {
    return withFileLock(`${this.file}.lock`, { what, timeoutMs: 10_000 }, async () => {
      const { next, value } = fn(await this.readAll());
      if (next) await writeFileAtomic(this.file, JSON.stringify({ version: 1, profiles: next }, null, 2) + '\n');
      return value;
    });
  }

  async add(profile: string, input: CanaryInput | unknown, opts: { replace?: boolean } = {}): Promise<Canary> {
    const canary = parseCanary(input);
    return this.change(`saving the canary ${canary.name}`, (all) => {
      const mine = this.mine(all, profile);
      const exists = mine.some((c) => c.name === canary.name);
      if (exists && !opts.replace) throw new HardenLabError('BAD_INPUT', `${profile} already has a canary named "${canary.name}".`, { hint: 'Remove it first, or choose another name.' });
      const next = exists ? mine.map((c) => (c.name === canary.name ? canary : c)) : [...mine, canary];
      return { next: { ...all, [profile]: next }, value: canary };
    });
  }

  async remove(profile: string, name: string): Promise<boolean> {
    return this.change(`removing the canary ${name.slice(0, 40)}`, (all) => {
      const mine = this.mine(all, profile);
      const rest = mine.filter((c) => c.name !== name);
      return rest.length === mine.length ? { value: false } : { next: { ...all, [profile]: rest }, value: true };
    });
  }

  /** When a profile goes, its canaries go with it. */
  async forget(profile: string): Promise<void> {
    await this.change(`forgetting the canaries of ${profile.slice(0, 40)}`, (all) => {
      if (!(profile in all)) return { value: undefined };
      const { [profile]: _gone, ...rest } = all;
      return { next: rest, value: undefined };
    });
  }
}
