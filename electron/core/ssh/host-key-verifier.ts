import { randomUUID } from 'node:crypto';
import { HardenLabError } from '../errors';
import { parsePublicKeyText, publicKeyFromBlob, sha256Fingerprint, type PublicKey } from './host-key';
import { decideHostKey, describeRefusal, type HostKeyDecisionInput } from './host-key-decision';
import type { KnownHostEntry } from './known-hosts';
import type { KnownHostsStore } from './known-hosts-store';

export type HostKeyAnswer = 'trust-once' | 'trust-remember' | 'cancel';

export interface HostKeyPromptRequest {
  promptId: string;
  profile?: string;
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  /** ISO time after which the prompt counts as cancelled. */
  expiresAt: string;
}

/**
 * Asks a person about an unknown host key. `signal` aborts when the prompt
 * expires or the connect is cancelled, so the UI can take the dialog down.
 */
export type HostKeyPrompter = (req: HostKeyPromptRequest, ctx: { signal: AbortSignal }) => Promise<HostKeyAnswer>;

/** How the key came to be trusted (matches shared/domain HostKeyInfoSchema.status). */
export type HostKeyTrust = 'trusted' | 'pinned' | 'trusted-once' | 'remembered';

export interface VerifiedHostKey {
  keyType: string;
  fingerprint: string;
  status: HostKeyTrust;
  key: PublicKey;
}

export interface VerifyHostKeyOptions {
  host: string;
  port: number;
  profileName?: string;
  /** The raw key blob the server presented during key exchange. */
  presented: Buffer;
  /** profile.pinnedHostKey: "ssh-ed25519 AAAA..." */
  pinnedHostKey?: string;
  store: KnownHostsStore;
  /** Keys trusted once earlier in this session (e.g. by the ConnectionManager), as known_hosts entries. */
  sessionEntries?: readonly KnownHostEntry[];
  prompter?: HostKeyPrompter;
  promptTimeoutMs?: number;
  signal?: AbortSignal;
  /** Called around the prompt so a connect timeout does not count the time a person spends reading. */
  onPromptStart?: () => void;
  onPromptEnd?: () => void;
}

export const DEFAULT_PROMPT_TIMEOUT_MS = 60_000;

export function parsePinnedHostKey(text: string): PublicKey {
  const key = parsePublicKeyText(text);
  if (!key) {
    throw new HardenLabError('BAD_INPUT', 'The pinned host key in this profile is not a valid public key ("TYPE BASE64").', {
      hint: 'Recreate the profile, or remove the pinned key so that the host key is confirmed by a prompt.',
    });
  }
  return key;
}

/** Waits for the prompter, treating silence past the deadline (or an abort) as a cancel. */
export async function promptWithTimeout(prompter: HostKeyPrompter, req: Omit<HostKeyPromptRequest, 'expiresAt'>, timeoutMs: number, signal?: AbortSignal): Promise<{ answer: HostKeyAnswer; timedOut: boolean }> {
  const ctrl = new AbortController();
  const full: HostKeyPromptRequest = { ...req, expiresAt: new Date(Date.now() + timeoutMs).toISOString() };
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<{ answer: HostKeyAnswer; timedOut: boolean }>((resolve) => {
    timer = setTimeout(() => resolve({ answer: 'cancel', timedOut: true }), timeoutMs);
    onAbort = () => resolve({ answer: 'cancel', timedOut: false });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const answered = prompter(full, { signal: ctrl.signal }).then(
      (answer) => ({ answer: answer === 'trust-once' || answer === 'trust-remember' ? answer : ('cancel' as const), timedOut: false }),
      () => ({ answer: 'cancel' as const, timedOut: false }),
    );
    return await Promise.race([answered, expired]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    ctrl.abort();
  }
}

/**
 * The I/O half of host-key checking: reads known_hosts, runs decideHostKey,
 * prompts on an unknown key, remembers it when asked, and throws a
 * HOST_KEY_* error for every refusal. A changed or revoked key never
 * reaches the prompter.
 */
export async function verifyHostKey(opts: VerifyHostKeyOptions): Promise<VerifiedHostKey> {
  const presentedKey = publicKeyFromBlob(opts.presented);
  if (!presentedKey) throw new HardenLabError('CONNECT_FAILED', `${opts.host}:${opts.port} sent a host key Harden Lab cannot read.`);
  const pinnedKey = opts.pinnedHostKey ? parsePinnedHostKey(opts.pinnedHostKey) : null;
  const entries = [...(await opts.store.entries()), ...(opts.sessionEntries ?? [])];
  const input: HostKeyDecisionInput = { host: opts.host, port: opts.port, presentedKey, pinnedKey, entries };
  const decision = decideHostKey(input);
  const fingerprint = sha256Fingerprint(presentedKey.blob);
  const base = { keyType: presentedKey.type, fingerprint, key: presentedKey };

  switch (decision.status) {
    case 'trusted': {
      const status: HostKeyTrust = decision.basis === 'pinned' ? 'pinned' : decision.entry?.source?.file === '(session)' ? 'trusted-once' : 'trusted';
      return { ...base, status };
    }
    case 'mismatch':
    case 'revoked': {
      const { message, hint } = describeRefusal(input, decision, opts.store.file);
      throw new HardenLabError('HOST_KEY_CHANGED', message, { hint, detail: `${presentedKey.type} ${fingerprint}` });
    }
    case 'unknown':
      break;
  }

  if (!opts.prompter) {
    throw new HardenLabError('HOST_KEY_UNKNOWN', `The host key of ${opts.host}:${opts.port} is not known yet (${presentedKey.type} ${fingerprint}).`, {
      hint: 'Connect once from the app and confirm the fingerprint, or add the key to the Harden Lab known_hosts file.',
    });
  }
  opts.onPromptStart?.();
  let result: { answer: HostKeyAnswer; timedOut: boolean };
  try {
    const timeoutMs = opts.promptTimeoutMs ?? DEFAULT_PROMPT_TIMEOUT_MS;
    result = await promptWithTimeout(
      opts.prompter,
      { promptId: randomUUID(), ...(opts.profileName ? { profile: opts.profileName } : {}), host: opts.host, port: opts.port, keyType: presentedKey.type, fingerprint },
      timeoutMs,
      opts.signal,
    );
  } finally {
    opts.onPromptEnd?.();
  }
  if (opts.signal?.aborted) throw new HardenLabError('CANCELLED', `Connecting to ${opts.host}:${opts.port} was cancelled.`);
  if (result.answer === 'cancel') {
    const ms = opts.promptTimeoutMs ?? DEFAULT_PROMPT_TIMEOUT_MS;
    const seconds = ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000));
    throw new HardenLabError(
      'HOST_KEY_REJECTED',
      result.timedOut
        ? `Nobody confirmed the host key of ${opts.host}:${opts.port} within ${seconds} s, so the connection was not made.`
        : `You did not trust the host key of ${opts.host}:${opts.port}, so the connection was not made.`,
      { hint: `Check the fingerprint ${fingerprint} with the machine's console (ssh-keygen -lf /etc/ssh/ssh_host_${presentedKey.type.replace(/^ssh-|-.*$/g, '')}_key.pub) and connect again.` },
    );
  }
  if (result.answer === 'trust-remember') {
    await opts.store.add(opts.host, opts.port, presentedKey, `added by Harden Lab ${new Date().toISOString().slice(0, 10)}`);
    return { ...base, status: 'remembered' };
  }
  return { ...base, status: 'trusted-once' };
}

/** A known_hosts-shaped entry for a key trusted once in this session (kept in memory only). */
export function sessionEntry(host: string, port: number, key: PublicKey): KnownHostEntry {
  const hosts = port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
  return { kind: 'entry', marker: null, hosts, key, comment: '', raw: '', source: { file: '(session)', line: 0 } };
}
