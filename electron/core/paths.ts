import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Harden Lab keeps its state. HARDENLAB_HOME and HARDENLAB_CACHE let
 * tests and CI keep runs apart; otherwise the XDG directories are used.
 *
 *  home:  profiles, known_hosts, journals, lab VM instances (small, precious)
 *  cache: built lab images (large, rebuildable, shared between runs)
 */
export function hardenlabHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HARDENLAB_HOME) return env.HARDENLAB_HOME;
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'hardenlab');
}

export function hardenlabCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HARDENLAB_CACHE) return env.HARDENLAB_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'hardenlab');
}
