import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CANARY_KINDS, CanarySchema, type Canary, type CanaryInput } from '../../../shared/canary';
import { explainInvalidName } from '../../../shared/names';
import { writeFileAtomic } from '../atomic-file';
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
    const bad = explainInvalidName('profile', profile);
    if (bad) throw new HardenLabError('BAD_INPUT', bad);
    const raw = (await this.readAll())[profile] ?? [];
    return raw.map((c, i) => {
      const parsed = CanarySchema.safeParse(c);
      if (!parsed.success) throw new HardenLabError('INTERNAL', `Canary ${i + 1} of ${profile} in ${this.file} is not valid: ${explainCanaryIssues(parsed.error)}`, { hint: 'Fix or remove it in the file.' });
      return parsed.data;
    });
  }

  async add(profile: string, input: CanaryInput | unknown, opts: { replace?: boolean } = {}): Promise<Canary> {
    const canary = parseCanary(input);
    const all = await this.readAll();
    const mine = await this.list(profile);
    const exists = mine.some((c) => c.name === canary.name);
    if (exists && !opts.replace) throw new HardenLabError('BAD_INPUT', `${profile} already has a canary named "${canary.name}".`, { hint: 'Remove it first, or choose another name.' });
    const next = exists ? mine.map((c) => (c.name === canary.name ? canary : c)) : [...mine, canary];
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, profiles: { ...all, [profile]: next } }, null, 2) + '\n');
    return canary;
  }

  async remove(profile: string, name: string): Promise<boolean> {
    const mine = await this.list(profile);
    const rest = mine.filter((c) => c.name !== name);
    if (rest.length === mine.length) return false;
    const all = await this.readAll();
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, profiles: { ...all, [profile]: rest } }, null, 2) + '\n');
    return true;
  }

  /** When a profile goes, its canaries go with it. */
  async forget(profile: string): Promise<void> {
    const all = await this.readAll();
    if (!(profile in all)) return;
    const { [profile]: _gone, ...rest } = all;
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, profiles: rest }, null, 2) + '\n');
  }
}
