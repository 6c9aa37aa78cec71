import type { Target } from '../engine/target';
import type { Answers, FactEnv, FactProvider } from './provider';

/**
 * The facts of one operation. Facts asked for together (a step's
 * `Promise.all` of gets, or the audit's `gather` of every step's facts) are
 * read in one batch: the first round of every provider in one probe, then
 * every second round in one more. Each fact is read once per operation. A
 * provider whose parse throws keeps its error, so one unreadable fact fails
 * only the steps that read it. A new operation (the verify after an apply)
 * gets a new cache: facts are never carried across a change.
 */
export interface Facts {
  gather(providers: ReadonlyArray<FactProvider<unknown>>): Promise<void>;
  get<T>(provider: FactProvider<T>): Promise<T>;
  /** How many probe round trips this cache has made (for tests and the bench). */
  readonly roundTrips: number;
}

type Entry = { ok: true; value: unknown } | { ok: false; error: unknown };

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_BATCH_TIMEOUT_MS = 10 * 60_000;

function prefixed(id: string, commands: Record<string, readonly string[]>): Record<string, readonly string[]> {
  return Object.fromEntries(Object.entries(commands).map(([k, v]) => [`${id}:${k}`, v]));
}

function unprefixed(id: string, all: Answers): Answers {
  const out: Answers = {};
  const p = `${id}:`;
  for (const [k, v] of Object.entries(all)) if (k.startsWith(p)) out[k.slice(p.length)] = v;
  return out;
}

export function createFacts(target: () => Target, env: FactEnv): Facts {
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<void>>();
  let queued: Array<FactProvider<unknown>> = [];
  let roundTrips = 0;

  const probe = async (commands: Record<string, readonly string[]>, timeoutMs: number): Promise<Answers> => {
    if (Object.keys(commands).length === 0) return {};
    roundTrips++;
    return target().probe(commands, { elevate: true, timeoutMs: Math.min(timeoutMs, MAX_BATCH_TIMEOUT_MS) });
  };

  const run = async (providers: ReadonlyArray<FactProvider<unknown>>): Promise<void> => {
    const timeout = providers.reduce((sum, p) => sum + (p.timeoutMs ?? DEFAULT_TIMEOUT_MS), 0);
    const failed = new Map<string, unknown>();
    const commands: Array<Record<string, readonly string[]>> = [];
    for (const p of providers) {
      try {
        commands.push(prefixed(p.id, p.commands(env)));
      } catch (error) {
        failed.set(p.id, error);
      }
    }
    const first = await probe(Object.assign({}, ...commands), timeout);
    const firsts = new Map(providers.map((p) => [p.id, unprefixed(p.id, first)]));
    const seconds: Array<[string, Record<string, readonly string[]>]> = [];
    for (const p of providers) {
      if (failed.has(p.id)) continue;
      try {
        const more = p.then?.(firsts.get(p.id)!, env);
        if (more && Object.keys(more).length > 0) seconds.push([p.id, more]);
      } catch (error) {
        failed.set(p.id, error);
      }
    }
    const second = await probe(Object.assign({}, ...seconds.map(([id, c]) => prefixed(id, c))), timeout);
    for (const p of providers) {
      if (failed.has(p.id)) {
        entries.set(p.id, { ok: false, error: failed.get(p.id) });
        continue;
      }
      try {
        entries.set(p.id, { ok: true, value: p.parse(firsts.get(p.id)!, unprefixed(p.id, second), env) });
      } catch (error) {
        entries.set(p.id, { ok: false, error });
      }
    }
  };

  // Everything asked for before the next microtask joins one batch.
  let next: Promise<void> | null = null;
  const schedule = (): Promise<void> => {
    const b: Promise<void> = Promise.resolve().then(async () => {
      const members = queued;
      queued = [];
      next = null;
      // A failed round trip (the link dropped) is the caller's error, not a fact's: nothing is cached, a later get tries again.
      try {
        await run(members);
      } finally {
        for (const p of members) if (pending.get(p.id) === b) pending.delete(p.id);
      }
    });
    // Waiters see the failure through their own await; this keeps it from being reported as unhandled.
    b.catch(() => undefined);
    return b;
  };
  const enqueue = (providers: ReadonlyArray<FactProvider<unknown>>): void => {
    for (const p of providers) {
      if (entries.has(p.id) || pending.has(p.id)) continue;
      next ??= schedule();
      queued.push(p);
      pending.set(p.id, next);
    }
  };

  const wait = async (providers: ReadonlyArray<FactProvider<unknown>>): Promise<void> => {
    enqueue(providers);
    await Promise.all(providers.map((p) => pending.get(p.id)));
  };

  return {
    gather: wait,
    async get<T>(provider: FactProvider<T>): Promise<T> {
      if (!entries.has(provider.id)) await wait([provider as FactProvider<unknown>]);
      const e = entries.get(provider.id)!;
      if (!e.ok) throw e.error;
      return e.value as T;
    },
    get roundTrips() {
      return roundTrips;
    },
  };
}
