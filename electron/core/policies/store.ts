import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { explainInvalidName } from '../../../shared/names';
import { PolicySchema, type Policy } from '../../../shared/policy';
import { writeFileAtomic } from '../atomic-file';
import type { AnyStep } from '../engine/step';
import { HardenLabError } from '../errors';
import { withFileLock } from '../file-lock';
import { BUILTIN_POLICIES } from './builtin';
import { validatePolicy } from './resolve';

/**
 * The built-in policies (data in builtin/, read-only) and the operator's own,
 * one JSON file each in <home>/policies. A saved policy is validated against
 * the steps first, so a file here always runs; a built-in name cannot be
 * taken (a tailored copy gets its own name, with basedOn saying where it
 * came from). Saving new content under an existing name raises its version.
 */
const MAX_TEXT = 256 * 1024;

export class PolicyStore {
  readonly dir: string;
  private readonly builtIn: Policy[];

  constructor(
    home: string,
    private readonly steps: readonly AnyStep[],
  ) {
    this.dir = join(home, 'policies');
    // A core built with fewer steps (a test's) offers the built-ins it can run; policies.test.ts holds every one to the full registry.
    this.builtIn = BUILTIN_POLICIES.flatMap((p) => {
      try {
        return [validatePolicy(p, steps)];
      } catch {
        return [];
      }
    });
  }

  isBuiltIn(name: string): boolean {
    return this.builtIn.some((p) => p.name === name);
  }

  private fileOf(name: string): string {
    const bad = explainInvalidName('policy', name);
    if (bad) throw new HardenLabError('BAD_INPUT', bad);
    return join(this.dir, `${name}.json`);
  }

  private async readUser(name: string): Promise<Policy | null> {
    let text: string;
    try {
      text = await readFile(this.fileOf(name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      return validatePolicy(JSON.parse(text), this.steps);
    } catch (e) {
      throw new HardenLabError('INTERNAL', `The policy file ${this.fileOf(name)} no longer reads as a valid policy: ${e instanceof Error ? e.message : String(e)}`, { hint: 'Fix or remove the file.' });
    }
  }

  async list(): Promise<Array<{ policy: Policy; builtIn: boolean }>> {
    let names: string[] = [];
    try {
      names = (await readdir(this.dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const mine: Policy[] = [];
    for (const n of names.sort()) {
      if (explainInvalidName('policy', n)) continue;
      const p = await this.readUser(n);
      if (p) mine.push(p);
    }
    return [...this.builtIn.map((policy) => ({ policy, builtIn: true })), ...mine.map((policy) => ({ policy, builtIn: false }))];
  }

  async get(name: string): Promise<{ policy: Policy; builtIn: boolean }> {
    const b = this.builtIn.find((p) => p.name === name);
    if (b) return { policy: b, builtIn: true };
    const p = await this.readUser(name);
    if (!p) {
      throw new HardenLabError('NOT_FOUND', `There is no policy "${name.slice(0, 60)}".`, { hint: `Policies: ${(await this.list()).map((x) => x.policy.name).join(', ')}.` });
    }
    return { policy: p, builtIn: false };
  }

  /**
   * Saves a policy of the operator's. The same content again is a no-op;
   * other content under a name in use needs `replace`, and gets the next
   * version when its own is not higher.
   */
  async save(input: unknown, o: { replace?: boolean } = {}): Promise<{ policy: Policy; changed: boolean }> {
    const policy = validatePolicy(input, this.steps);
    if (this.isBuiltIn(policy.name)) {
      throw new HardenLabError('BAD_INPUT', `"${policy.name}" is a built-in policy and cannot be replaced.`, { hint: 'Save the tailored policy under a name of its own (basedOn keeps where it came from).' });
    }
    return withFileLock(join(this.dir, '.lock'), { what: `saving the policy ${policy.name}`, timeoutMs: 10_000 }, async () => {
      const old = await this.readUser(policy.name);
      if (old && isDeepStrictEqual(old, policy)) return { policy: old, changed: false };
      if (old && !o.replace) throw new HardenLabError('BAD_INPUT', `A policy named "${policy.name}" (version ${old.version}) already exists.`, { hint: 'Import with --replace to save this as its next version, or choose another name.' });
      const saved: Policy = old && policy.version <= old.version ? { ...policy, version: old.version + 1 } : policy;
      await writeFileAtomic(this.fileOf(policy.name), JSON.stringify(saved, null, 2) + '\n', { mode: 0o600, dirMode: 0o700 });
      return { policy: saved, changed: true };
    });
  }

  async remove(name: string): Promise<boolean> {
    if (this.isBuiltIn(name)) throw new HardenLabError('BAD_INPUT', `"${name}" is a built-in policy and cannot be removed.`);
    try {
      await unlink(this.fileOf(name));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }
}

/** A policy file's text, JSON or YAML, to a value for validatePolicy. */
export function parsePolicyText(text: string): unknown {
  if (text.length > MAX_TEXT) throw new HardenLabError('BAD_INPUT', `A policy file is at most ${MAX_TEXT / 1024} KiB.`);
  const t = text.trim();
  try {
    return t.startsWith('{') ? JSON.parse(t) : parseYaml(t, { maxAliasCount: 50 });
  } catch (e) {
    throw new HardenLabError('BAD_INPUT', `The policy file is neither valid JSON nor valid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}

export function policyText(policy: Policy, format: 'json' | 'yaml'): string {
  const clean = PolicySchema.parse(policy);
  return format === 'json' ? JSON.stringify(clean, null, 2) + '\n' : stringifyYaml(clean, { lineWidth: 0 });
}
