import { HardenLabError, isHardenLabError } from '../../errors';
import type { Runner, RunResult } from '../../proc';
import { parseProgressPercents } from './parse';

/**
 * The thin I/O adapter: runs VBoxManage with an argv array through a Runner
 * and hands back what it printed. It decides nothing about exit statuses
 * (startvm's exit 1 can be a success, `snapshot list` exits 1 for "none");
 * the driver does, with the pure parsers.
 */
export interface VBoxManageCall {
  args: readonly string[];
  timeoutMs: number;
  /** Called with each new percentage VBoxManage's progress line shows on stderr. */
  onPercent?: (percent: number) => void;
  signal?: AbortSignal;
}

export interface VBoxManageOptions {
  runner: Runner;
  /** Full path of VBoxManage, or null when it is not installed. Called once, on first use. */
  locate: () => string | null;
  installHint: string;
}

/** Feeds stderr chunks in and calls `emit` once per percentage, in order. */
export function percentTracker(emit: (percent: number) => void): (chunk: string) => void {
  let text = '';
  let seen = 0;
  return (chunk) => {
    text += chunk;
    const all = parseProgressPercents(text);
    for (; seen < all.length; seen++) emit(all[seen] ?? 0);
  };
}

/** `snapshot take`, `controlvm poweroff`: the words that say which command timed out. */
export function commandName(args: readonly string[]): string {
  const [cmd, second, third] = args;
  if (cmd === 'snapshot' || cmd === 'controlvm') return `${cmd} ${third ?? ''}`.trim();
  if (cmd === 'list' || cmd === 'guestproperty') return `${cmd} ${second ?? ''}`.trim();
  return cmd ?? '';
}

export class VBoxManage {
  private resolved: string | null = null;

  constructor(private readonly opts: VBoxManageOptions) {}

  /** Full path of VBoxManage; throws DRIVER_MISSING with an install hint when absent. */
  path(): string {
    if (this.resolved) return this.resolved;
    const found = this.opts.locate();
    if (!found) throw this.missing();
    this.resolved = found;
    return found;
  }

  async run(call: VBoxManageCall): Promise<RunResult> {
    const exe = this.path();
    let result: RunResult;
    try {
      result = await this.opts.runner(exe, call.args, {
        timeoutMs: call.timeoutMs,
        signal: call.signal,
        onStderr: call.onPercent ? percentTracker(call.onPercent) : undefined,
      });
    } catch (e) {
      if (isHardenLabError(e) && e.code === 'DRIVER_MISSING') {
        // Uninstalled while we were running: look again next time.
        this.resolved = null;
        throw this.missing(e);
      }
      throw e;
    }
    if (call.signal?.aborted) {
      throw new HardenLabError('CANCELLED', `VBoxManage ${commandName(call.args)} was cancelled.`, {
        hint: 'VirtualBox cancels the operation where it can; check the VM state before going on.',
      });
    }
    if (result.timedOut) {
      throw new HardenLabError('TIMEOUT', `VBoxManage ${commandName(call.args)} did not finish within ${Math.round(call.timeoutMs / 1000)} s and was stopped.`, {
        hint: 'VirtualBox may be stuck on this VM: look at it in the VirtualBox window, then try again.',
        detail: [result.stderr, result.stdout].filter(Boolean).join('\n').slice(0, 4000),
      });
    }
    return result;
  }

  private missing(cause?: unknown): HardenLabError {
    return new HardenLabError('DRIVER_MISSING', "VirtualBox's VBoxManage program was not found.", {
      hint: this.opts.installHint,
      cause,
    });
  }
}
