import { z } from 'zod';
import { HYPERVISOR_KIND_NAMES } from './hypervisor-kinds';
import { NAME_PATTERNS } from './names';

/**
 * A connection profile: how to reach one VM over SSH and which hypervisor
 * VM it is, so that snapshots and reverts know what to act on. No secret is
 * ever part of a profile: passwords and passphrases live in the SecretStore
 * (Electron safeStorage) or are asked for each time.
 */
export const ProfileNameSchema = z.string().regex(NAME_PATTERNS.profile, 'Profile names use letters, digits, dot, dash and underscore (at most 40).');

export const AuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('key'), keyPath: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('agent') }),
  z.object({ kind: z.literal('password') }),
]);
export type Auth = z.infer<typeof AuthSchema>;

export const HypervisorRefSchema = z.object({
  kind: z.enum(HYPERVISOR_KIND_NAMES),
  /** VirtualBox VM name or UUID; for QEMU the lab instance name. */
  vm: z.string().min(1).max(200),
});
export type HypervisorRef = z.infer<typeof HypervisorRefSchema>;

export const ProfileSchema = z.object({
  name: ProfileNameSchema,
  host: z.string().regex(NAME_PATTERNS.host, 'Enter a host name or an IP address.'),
  port: z.number().int().min(1).max(65535),
  user: z.string().regex(NAME_PATTERNS.unixUser, 'Enter a valid user name.'),
  auth: AuthSchema,
  hypervisor: HypervisorRefSchema.optional(),
  /**
   * A host key recorded when we built the VM ourselves ("ssh-ed25519 AAAA..."): trusted without a prompt,
   * ahead of known_hosts. Set by the lab builder only; see pinAfterClientSave.
   */
  pinnedHostKey: z.string().max(16384).optional(),
  /** Jump host as "user@host:port", imported from ~/.ssh/config ProxyJump. */
  proxyJump: z.string().max(300).optional(),
  /** Elevation to use on the VM; "auto" detects sudo or doas on connect. */
  elevation: z.enum(['auto', 'sudo', 'doas', 'none']).default('auto'),
  /** Where this profile came from, for display. */
  origin: z.enum(['manual', 'lab', 'virtualbox', 'ssh-config']).default('manual'),
  createdAt: z.string().optional(),
});
export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;

/**
 * The pin a profile keeps when a client saves it (profiles.save, from any
 * door). A pin overrides known_hosts, so a client that could set one could
 * pre-trust any key for any host: the client's value is never used. The
 * stored pin stays while the profile still names the endpoint it was
 * recorded for (the UI sends whole profiles back, e.g. to remember a
 * password), and goes when host or port change.
 */
export function pinAfterClientSave(stored: Pick<Profile, 'host' | 'port' | 'pinnedHostKey'> | undefined, saved: Pick<Profile, 'host' | 'port'>): string | undefined {
  if (!stored?.pinnedHostKey) return undefined;
  return stored.host === saved.host && stored.port === saved.port ? stored.pinnedHostKey : undefined;
}
