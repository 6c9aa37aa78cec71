import type { HostKeyDecision } from '../../../../shared/domain';
import type { HostKeyPrompter } from '../../ssh/host-key-verifier';
import type { EventBus } from '../../events';

/**
 * Bridges the SSH layer's host-key questions to whichever door is open: the
 * question goes out as a `hostKey.prompt` event, the answer comes back through
 * `ssh.hostKeyAnswer`. The SSH layer's own timer (60 s) aborts the signal,
 * which counts as cancel; `hostKey.resolved` tells every client to close it.
 */
export class HostKeyPrompts {
  private readonly pending = new Map<string, (d: HostKeyDecision) => void>();

  constructor(private readonly events: EventBus) {}

  readonly prompter: HostKeyPrompter = (req, { signal }) =>
    new Promise((resolve) => {
      const finish = (decision: HostKeyDecision) => {
        if (!this.pending.delete(req.promptId)) return;
        signal.removeEventListener('abort', onAbort);
        this.events.emit('hostKey.resolved', { promptId: req.promptId, decision });
        resolve(decision);
      };
      const onAbort = () => finish('cancel');
      this.pending.set(req.promptId, finish);
      signal.addEventListener('abort', onAbort, { once: true });
      this.events.emit('hostKey.prompt', {
        promptId: req.promptId,
        ...(req.profile ? { profile: req.profile } : {}),
        host: req.host,
        port: req.port,
        keyType: req.keyType,
        fingerprint: req.fingerprint,
        expiresAt: req.expiresAt,
      });
      if (signal.aborted) onAbort();
    });

  answer(promptId: string, decision: HostKeyDecision): boolean {
    const f = this.pending.get(promptId);
    if (!f) return false;
    f(decision);
    return true;
  }

  get open(): number {
    return this.pending.size;
  }
}
