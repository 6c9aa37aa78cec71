import { HardenLabError } from '../errors';
import type { VerifyCheck } from './step';

/** A verify that found the change not in effect, or the VM not reachable: carries every check, passed and failed, into the reverted result. */
export class VerifyFailedError extends HardenLabError {
  constructor(
    message: string,
    readonly checks: VerifyCheck[],
  ) {
    super('VERIFY_FAILED', message);
  }

  static from(checks: VerifyCheck[], prefix = 'Verification failed'): VerifyFailedError | null {
    const failed = checks.filter((c) => !c.ok);
    return failed.length === 0 ? null : new VerifyFailedError(`${prefix}: ${failed.map((c) => `${c.name} (${c.evidence})`).join('; ')}`, checks);
  }
}
