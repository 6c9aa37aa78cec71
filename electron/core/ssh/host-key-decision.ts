import { quoteArg } from '../../../shared/quote';
import { sameKey, sha256Fingerprint, type PublicKey } from './host-key';
import { hostFieldMatches, hostLookupName, type KnownHostEntry } from './known-hosts';

export type HostKeyStatus = 'trusted' | 'mismatch' | 'unknown' | 'revoked';

export interface HostKeyDecisionInput {
  host: string;
  port: number;
  presentedKey: PublicKey;
  /** The key recorded when Harden Lab built this VM (profile.pinnedHostKey). */
  pinnedKey?: PublicKey | null;
  /** Every known_hosts entry we read (all files, all hosts); matching happens here. */
  entries: readonly KnownHostEntry[];
}

export interface HostKeyDecision {
  status: HostKeyStatus;
  /** What decided it: the profile's pinned key, a known_hosts entry, or nothing at all. */
  basis: 'pinned' | 'known-hosts' | 'none';
  /** The entry that decided a trusted/revoked result, or the first conflicting one for a mismatch. */
  entry?: KnownHostEntry;
  /** All plain entries for this host whose key differs from the presented one (the "old" keys of a mismatch). */
  conflicting: KnownHostEntry[];
}

/**
 * Decides whether a presented host key may be used. Pure: no files, no
 * prompts; the caller reads known_hosts and acts on the result.
 *
 *   presented key
 *     ├─ an @revoked entry for this host has this key ........... revoked  (refuse, never prompt)
 *     ├─ the profile pins a key (lab VM built by us)
 *     │    ├─ same key ........................................... trusted  (basis: pinned)
 *     │    └─ other key .......................................... mismatch (refuse; the pin wins over known_hosts)
 *     ├─ a plain entry for this host has this key ............... trusted  (basis: known-hosts)
 *     ├─ plain entries for this host exist, none with this key .. mismatch (refuse, never prompt)
 *     │    (also when they hold only other key TYPES: the caller
 *     │     asks the server for the known types first, as ssh
 *     │     does, so a server that no longer offers them changed)
 *     └─ nothing known about this host .......................... unknown  (caller prompts: trust once /
 *                                                                          trust and remember / cancel;
 *                                                                          no answer in time = cancel)
 *
 * @cert-authority entries are ignored: host certificates are not supported,
 * so a CA line neither trusts nor conflicts. Hashed and wildcard host fields
 * match as in OpenSSH (see hostFieldMatches).
 */
export function decideHostKey(input: HostKeyDecisionInput): HostKeyDecision {
  const { host, port, presentedKey } = input;
  const forHost = input.entries.filter((e) => hostFieldMatches(e.hosts, host, port));

  const revoked = forHost.find((e) => e.marker === 'revoked' && sameKey(e.key, presentedKey));
  if (revoked) return { status: 'revoked', basis: 'known-hosts', entry: revoked, conflicting: [] };

  const plain = forHost.filter((e) => e.marker === null);
  const conflicting = plain.filter((e) => !sameKey(e.key, presentedKey));

  if (input.pinnedKey) {
    return sameKey(input.pinnedKey, presentedKey)
      ? { status: 'trusted', basis: 'pinned', conflicting: [] }
      : { status: 'mismatch', basis: 'pinned', conflicting };
  }

  const match = plain.find((e) => sameKey(e.key, presentedKey));
  if (match) return { status: 'trusted', basis: 'known-hosts', entry: match, conflicting: [] };

  const first = conflicting[0];
  if (first) return { status: 'mismatch', basis: 'known-hosts', entry: first, conflicting };

  return { status: 'unknown', basis: 'none', conflicting: [] };
}

/** Key types we already know for this host, best first: the server is asked for these before any other. */
export function knownKeyTypes(input: Omit<HostKeyDecisionInput, 'presentedKey'>): string[] {
  const types: string[] = [];
  if (input.pinnedKey) types.push(input.pinnedKey.type);
  for (const e of input.entries) {
    if (e.marker === null && hostFieldMatches(e.hosts, input.host, input.port) && !types.includes(e.key.type)) types.push(e.key.type);
  }
  return types;
}

/**
 * The words shown when a key is refused. A person must be able to act on
 * them without reading code: which host, the old and new fingerprints,
 * where the old key is recorded and the exact command that forgets it.
 */
export function describeRefusal(input: HostKeyDecisionInput, decision: HostKeyDecision, appKnownHostsFile: string): { message: string; hint: string } {
  const name = hostLookupName(input.host, input.port);
  const newFp = `${input.presentedKey.type} ${sha256Fingerprint(input.presentedKey.blob)}`;
  if (decision.status === 'revoked') {
    const where = decision.entry?.source ? ` (${decision.entry.source.file} line ${decision.entry.source.line})` : '';
    return {
      message: `The host key offered by ${name} (${newFp}) is marked @revoked in known_hosts${where}. Harden Lab refuses to connect.`,
      hint: 'A revoked key means its owner declared it compromised. Ask whoever runs this machine for its current host key.',
    };
  }
  if (decision.basis === 'pinned') {
    const pinned = input.pinnedKey ? `${input.pinnedKey.type} ${sha256Fingerprint(input.pinnedKey.blob)}` : 'unknown';
    return {
      message:
        `WARNING: the host key of ${name} is not the one recorded when this lab VM was built. ` +
        `Recorded: ${pinned}. Offered now: ${newFp}. Someone may be intercepting the connection, or the VM was replaced. Harden Lab refuses to connect.`,
      hint: 'If you rebuilt or replaced this VM, recreate its profile (hardenlab lab up records the new key), or clear the pinned key in the profile on purpose.',
    };
  }
  const olds = decision.conflicting.map((e) => {
    const where = e.source ? ` (${e.source.file} line ${e.source.line})` : '';
    return `${e.key.type} ${sha256Fingerprint(e.key.blob)}${where}`;
  });
  const files = [...new Set(decision.conflicting.map((e) => e.source?.file).filter((f): f is string => !!f))];
  const commands = (files.length > 0 ? files : [appKnownHostsFile]).map((f) => `ssh-keygen -f ${quoteArg(f)} -R ${quoteArg(name)}`);
  const viaApp = files.length === 0 || files.includes(appKnownHostsFile) ? ' Or use "Forget host key" for this host in Harden Lab.' : '';
  return {
    message:
      `WARNING: the host key of ${name} has CHANGED. Known: ${olds.join('; ')}. Offered now: ${newFp}. ` +
      'Someone may be intercepting the connection, or the machine was reinstalled. Harden Lab refuses to connect and there is no way to click through.',
    hint: `If you know why the key changed (for example you rebuilt the VM), remove the old entry explicitly, then connect again: ${commands.join(' ; ')}.${viaApp}`,
  };
}
