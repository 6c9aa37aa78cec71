import { z } from 'zod';
import { canonicalKey, canonicalValue, type DesiredSetting } from './sshd-config';

/**
 * The sshd settings of the ssh step, one record each: the plan writes them,
 * verify reads them back with `sshd -T`, and the audit judges the host by
 * them, so a failing check always has a plan that closes it. A new setting
 * is one line in SSHD_SETTINGS.
 *
 * Choices worth knowing:
 * - PermitRootLogin: the audit asks for "no", and "no" is the default of the
 *   plan the audit's Fix link opens. "prohibit-password" (root with a key)
 *   stays an option for hosts that must keep it, but the audit still fails
 *   it: a root login, key or not, is a login by nobody in particular, with no
 *   trail of who it was, and one leaked root key opens the whole host. A
 *   demanding operator wants named users elevating with sudo, as the guide says.
 * - MaxAuthTries 4 by default (CIS), 3 with "stronger": every key an
 *   ssh-agent offers counts as a try, so a lower default would cut off people
 *   whose agent holds many keys. Harden Lab logs in with the profile's one key.
 * - X11Forwarding no by default: Debian's sshd_config turns it on, and a
 *   container host has no graphical programs to show.
 * - The "stronger" settings are not audited: each stops something some hosts
 *   rely on (a jump host, agent forwarding, long idle sessions), so they are a
 *   choice, not a failing check. The audit judges exactly what the plan with
 *   the default options sets.
 */
export const sshOptions = z
  .object({
    /** "no" (the guide) or "prohibit-password" (root only with a key). */
    rootLogin: z.enum(['no', 'prohibit-password']).default('no'),
    /** Also tighten the rest: fewer auth tries, shorter grace time, no agent/TCP forwarding, idle timeout. */
    stronger: z.boolean().default(false),
    /** Only these settings (ids of SSHD_SETTINGS); empty: every setting the options above choose. A policy's settings land here. */
    settings: z
      .array(z.string().max(80))
      .max(32)
      .default([])
      .superRefine((ids, ctx) => {
        for (const id of ids) if (!SSHD_SETTINGS.some((s) => s.id === id)) ctx.addIssue({ code: 'custom', message: `"${id.slice(0, 60)}" is not an sshd setting of this step (known: ${SSHD_SETTINGS.map((s) => s.id).join(', ')}).` });
      }),
  })
  .strict();
export type SshOptions = z.infer<typeof sshOptions>;

/** The options the audit judges by: the step's defaults, which is what the audit's Fix link plans with. */
export const AUDITED_OPTIONS: SshOptions = sshOptions.parse({});

/**
 * What a setting can break: 'lockout' when a mistake around it shuts the
 * operator out (the step proves a key login before and after), or the
 * feature people lose.
 */
export type SettingRisk = 'low' | 'lockout' | { breaks: string };

export interface SshdSetting {
  /** The audit check's id. */
  id: string;
  /** The audit check's title: what holds once the setting is in effect. */
  title: string;
  /** The sshd_config keyword; `sshd -T` reports it in lower case. */
  keyword: string;
  /** The value the plan writes, fixed or chosen by the options. */
  value: string | ((o: SshOptions) => string);
  /** A smaller positive number is stricter: a value already in effect between 1 and this one is kept (0 means "no limit" for these keywords). */
  atMost?: true;
  /** Only with the "stronger" option, and then not audited (see above). */
  only?: 'stronger';
  risk: SettingRisk;
  why: string;
}

export const SSHD_SETTINGS: readonly SshdSetting[] = [
  { id: 'ssh.root-login', title: 'Root cannot log in over SSH', keyword: 'PermitRootLogin', value: (o) => o.rootLogin, risk: 'lockout', why: 'A root login leaves no trail of who it was; named users elevate with sudo, which logs each command.' },
  { id: 'ssh.password-auth', title: 'SSH refuses passwords', keyword: 'PasswordAuthentication', value: 'no', risk: 'lockout', why: 'Passwords can be guessed from anywhere on the network; keys cannot.' },
  { id: 'ssh.kbd-interactive', title: 'SSH refuses keyboard-interactive logins', keyword: 'KbdInteractiveAuthentication', value: 'no', risk: 'lockout', why: 'Keyboard-interactive is passwords by another name (PAM prompts).' },
  { id: 'ssh.empty-passwords', title: 'SSH refuses empty passwords', keyword: 'PermitEmptyPasswords', value: 'no', risk: 'low', why: 'An account without a password must never be a way in.' },
  { id: 'ssh.pubkey-auth', title: 'SSH accepts key logins', keyword: 'PubkeyAuthentication', value: 'yes', risk: 'low', why: 'Keys are the way in that stays once passwords are off.' },
  { id: 'ssh.max-auth-tries', title: 'SSH allows few authentication tries (4 or fewer)', keyword: 'MaxAuthTries', value: (o) => (o.stronger ? '3' : '4'), atMost: true, risk: { breaks: 'an ssh-agent that offers more keys than this before the right one is cut off (ssh -o IdentitiesOnly=yes -i KEY gets in)' }, why: 'Guessing then needs many connections, and each one shows in the log.' },
  { id: 'ssh.x11-forwarding', title: 'SSH X11 forwarding is off', keyword: 'X11Forwarding', value: 'no', risk: { breaks: 'ssh -X no longer shows graphical programs of this VM' }, why: 'A forwarded X11 display lets the server side read the client\'s keystrokes and screen.' },
  { id: 'ssh.login-grace-time', title: 'SSH drops unauthenticated connections within 30 s', keyword: 'LoginGraceTime', value: '30', atMost: true, only: 'stronger', risk: 'low', why: 'Half-open logins hold a slot (MaxStartups) for 2 minutes by default.' },
  { id: 'ssh.agent-forwarding', title: 'SSH agent forwarding is off', keyword: 'AllowAgentForwarding', value: 'no', only: 'stronger', risk: { breaks: 'ssh -A through this VM to further hosts' }, why: 'Root on this VM could use a forwarded agent to log in wherever its keys open.' },
  { id: 'ssh.tcp-forwarding', title: 'SSH TCP forwarding is off', keyword: 'AllowTcpForwarding', value: 'no', only: 'stronger', risk: { breaks: 'this VM as an SSH jump host (ProxyJump) and port forwards through it' }, why: 'A login becomes a tunnel into every network this VM reaches.' },
  { id: 'ssh.client-alive-interval', title: 'SSH asks idle clients every 5 minutes or sooner', keyword: 'ClientAliveInterval', value: '300', atMost: true, only: 'stronger', risk: 'low', why: 'Sessions whose client is gone are noticed.' },
  { id: 'ssh.client-alive-count', title: 'SSH ends a session after 2 unanswered asks', keyword: 'ClientAliveCountMax', value: '2', atMost: true, only: 'stronger', risk: 'low', why: 'Abandoned sessions end after about 10 minutes instead of staying open.' },
];

export function settingsFor(o: SshOptions): SshdSetting[] {
  const chosen = o.settings ?? [];
  return SSHD_SETTINGS.filter((s) => (s.only === undefined || (s.only === 'stronger' && o.stronger)) && (chosen.length === 0 || chosen.includes(s.id)));
}

/** The options that write exactly these settings ("stronger" turned on when one of them needs it). */
export function selectSettings(o: SshOptions, ids: readonly string[]): SshOptions {
  const needsStronger = SSHD_SETTINGS.some((s) => ids.includes(s.id) && s.only === 'stronger');
  return { ...o, stronger: o.stronger || needsStronger, settings: [...ids] };
}

export function settingFor(keyword: string): SshdSetting | undefined {
  return SSHD_SETTINGS.find((s) => canonicalKey(s.keyword) === canonicalKey(keyword));
}

export function valueOf(s: SshdSetting, o: SshOptions): string {
  return typeof s.value === 'function' ? s.value(o) : s.value;
}

/** Whether a value sshd reports meets the setting under these options: the one rule of plan, verify and audit. */
export function holds(s: SshdSetting, o: SshOptions, value: string | undefined): boolean {
  if (value === undefined) return false;
  const want = valueOf(s, o);
  if (s.atMost) return /^\d+$/.test(value.trim()) && Number(value) >= 1 && Number(value) <= Number(want);
  return canonicalValue(s.keyword, value) === canonicalValue(s.keyword, want);
}

/** "4 or fewer", "no": what the setting asks for, in words for evidence. */
export function wanted(s: SshdSetting, o: SshOptions): string {
  return s.atMost ? `${valueOf(s, o)} or fewer` : valueOf(s, o);
}

/**
 * The settings the plan writes for these options. A value already in effect
 * that holds (a stricter MaxAuthTries, say) is written as it is, so the plan
 * never loosens what it finds; `effective` is `sshd -T` (lower-case keys).
 */
export function desiredSettings(o: SshOptions, effective: Readonly<Record<string, string>> = {}): DesiredSetting[] {
  return settingsFor(o).map((s) => {
    const now = effective[canonicalKey(s.keyword)];
    return {
      keyword: s.keyword,
      value: now !== undefined && holds(s, o, now) ? canonicalValue(s.keyword, now) : valueOf(s, o),
      accepts: (v: string) => holds(s, o, v),
    };
  });
}
