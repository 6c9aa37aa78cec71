/**
 * Every failure the core reports to a person carries a stable code (for the
 * UI, the CLI's exit status and tests), a message that says what happened, and
 * a hint that says what to do next. Anything thrown that is not a
 * HardenLabError is an internal error and is reported as such.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'NOT_FOUND'
  | 'NOT_IMPLEMENTED'
  | 'VM_NOT_FOUND'
  | 'VM_WRONG_STATE'
  | 'SNAPSHOT_NOT_FOUND'
  | 'DRIVER_MISSING'
  | 'DRIVER_FAILED'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_CHANGED'
  | 'HOST_KEY_REJECTED'
  | 'AUTH_FAILED'
  /** A password or key passphrase is needed and none is stored: ask the user (detail says which: 'password' | 'passphrase'). */
  | 'SECRET_REQUIRED'
  /** No OS keychain (safeStorage) here: secrets can only be kept for this session. */
  | 'SECRET_STORE_UNAVAILABLE'
  | 'CONNECT_FAILED'
  | 'NOT_CONNECTED'
  | 'NO_ELEVATION'
  | 'REMOTE_COMMAND_FAILED'
  | 'UNSAFE_PATH'
  | 'LAB_BUILD_FAILED'
  | 'VERIFY_FAILED'
  | 'REVERTED'
  | 'PLAN_STALE'
  | 'NO_WAY_BACK'
  | 'CONFIRMATION_REQUIRED'
  | 'INTERNAL';

export class HardenLabError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; detail?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'HardenLabError';
    this.code = code;
    this.hint = opts.hint;
    this.detail = opts.detail;
  }
}

export function isHardenLabError(e: unknown): e is HardenLabError {
  return e instanceof HardenLabError;
}

/** The plain shape that crosses a process boundary (IPC, WebSocket, CLI --json). */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  hint?: string;
  detail?: string;
}

export function toErrorInfo(e: unknown): ErrorInfo {
  if (isHardenLabError(e)) {
    const info: ErrorInfo = { code: e.code, message: e.message };
    if (e.hint !== undefined) info.hint = e.hint;
    if (e.detail !== undefined) info.detail = e.detail;
    return info;
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: `Internal error: ${message}`, hint: 'This is a bug in Harden Lab; the log has details.' };
}
