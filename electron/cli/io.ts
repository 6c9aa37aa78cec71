import type { ErrorInfo } from '../core/errors';

/** Exit codes of every command: 0 ok, 1 a check or operation failed, 2 usage or bad input. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An error reply from the core, carried to the top where it becomes output and an exit code. */
export class CoreCallError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'CoreCallError';
    this.info = info;
  }
}

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export const processIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
  env: process.env,
};

const USAGE_CODES = new Set(['BAD_INPUT', 'NOT_FOUND', 'UNSAFE_PATH']);

export function exitCodeFor(info: ErrorInfo): number {
  return USAGE_CODES.has(info.code) ? EXIT.USAGE : EXIT.FAILED;
}
