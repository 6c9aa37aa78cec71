import type { DistroAdapter } from '../distro/types';
import type { TargetProbeItem } from '../engine/target';

/**
 * A named fact about the VM, declared once: the read-only commands that
 * gather it and the pure function that turns their answers into data.
 * Declaring facts instead of running probes lets one operation (a preview,
 * an audit of every step) gather every fact its steps need in as few round
 * trips as the commands allow, and read each of them once.
 */
export type Answers = Record<string, TargetProbeItem | undefined>;

export interface FactEnv {
  distro: DistroAdapter;
  host: string;
  /** The profile's login user (checked against NAME_PATTERNS.unixUser before it reaches a command). */
  user: string;
}

export interface FactProvider<T> {
  /** Unique, e.g. "sysctl.values"; also the prefix of its commands in a batched probe. */
  id: string;
  /** Commands of the first round trip, by name (run as root). */
  commands(env: FactEnv): Record<string, readonly string[]>;
  /**
   * Commands that depend on the first answers (files named by a config the
   * first round read); they run in the second round trip, batched with
   * every other provider's second round. Return nothing to skip it.
   */
  then?(first: Answers, env: FactEnv): Record<string, readonly string[]> | undefined;
  /** Pure. Throwing (a HardenLabError) makes the fact unreadable; the other facts stay usable. */
  parse(first: Answers, second: Answers, env: FactEnv): T;
  /** Upper bound for this provider's commands; the batch gets the sum of its members' bounds. */
  timeoutMs?: number;
}

export function defineFact<T>(p: FactProvider<T>): FactProvider<T> {
  return p;
}

/** An item that answers like a failed command, so parsers never see undefined. */
export function answer(a: Answers, name: string): TargetProbeItem {
  return a[name] ?? { code: -1, stdout: '' };
}

/** The non-empty trimmed lines of an answer. */
export function answerLines(a: Answers, name: string): string[] {
  return answer(a, name).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}
