import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';
import { ProfileSchema, type Profile, type ProfileInput } from '../../shared/profile';
import { explainInvalidName } from '../../shared/names';
import { HardenLabError } from './errors';
import { hardenlabHome } from './paths';
import { parsePinnedHostKey } from './ssh/host-key-verifier';

/**
 * Profiles live in one JSON file under the Harden Lab home. Writes go to a
 * temporary file that is fsynced and renamed over the old one, so a crash
 * leaves either the old or the new list, never half of one.
 */
export class ProfileStore {
  readonly file: string;

  constructor(home: string = hardenlabHome()) {
    this.file = join(home, 'profiles.json');
  }

  async list(): Promise<Profile[]> {
    let raw: string;
    try {
      raw = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (e) {
      throw new HardenLabError('INTERNAL', `The profile file ${this.file} is not valid JSON.`, { hint: 'Fix or remove the file; a backup may be beside it.', cause: e });
    }
    const list = (data as { profiles?: unknown[] })?.profiles ?? [];
    const out: Profile[] = [];
    for (const p of list) {
      const parsed = ProfileSchema.safeParse(p);
      if (parsed.success) out.push(parsed.data);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<Profile> {
    const bad = explainInvalidName('profile', name);
    if (bad) throw new HardenLabError('BAD_INPUT', bad);
    const found = (await this.list()).find((p) => p.name === name);
    if (!found) {
      throw new HardenLabError('NOT_FOUND', `There is no profile named "${name}".`, {
        hint: 'List profiles with `hardenlab profile list`, or create the lab VM with `hardenlab lab up`.',
      });
    }
    return found;
  }

  async save(input: ProfileInput): Promise<Profile> {
    const parsed = ProfileSchema.safeParse(input);
    if (!parsed.success) {
      throw new HardenLabError('BAD_INPUT', `The profile is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'profile'}: ${i.message}`).join('; ')}`);
    }
    if (parsed.data.pinnedHostKey !== undefined) parsePinnedHostKey(parsed.data.pinnedHostKey);
    const profile = { ...parsed.data, createdAt: parsed.data.createdAt ?? new Date().toISOString() };
    const others = (await this.list()).filter((p) => p.name !== profile.name);
    await this.writeAll([...others, profile]);
    return profile;
  }

  async delete(name: string): Promise<boolean> {
    const all = await this.list();
    const rest = all.filter((p) => p.name !== name);
    if (rest.length === all.length) return false;
    await this.writeAll(rest);
    return true;
  }

  private async writeAll(profiles: Profile[]): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, profiles }, null, 2) + '\n');
  }
}
