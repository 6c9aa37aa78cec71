import ssh2 from 'ssh2';

/**
 * ssh2 is CommonJS; Node's ESM loader cannot see `utils` (and other
 * non-trivial exports) as named exports, so `import { utils } from 'ssh2'`
 * breaks under plain Node (the CLI, tsx) while working in bundlers. The
 * default import works everywhere.
 */
export const Client = ssh2.Client;
export type Client = InstanceType<typeof ssh2.Client>;
export const parseKey = ssh2.utils.parseKey;
