import { z } from 'zod';
import { isValidName } from '../../../../shared/names';
import { HardenLabError } from '../../errors';
import type { Proof } from '../../../../shared/domain';
import { literal } from '../../proofs/judge';
import type { AuditCheckDraft, StepContext, StepDefinition, StepPlanDraft, VerifyCheck } from '../../engine/step';
import { adminGroupMembers, classifyShadow, doasAdmins, isLockedState, isNoLoginShell, parsePasswdStatus, shellOf, sudoAllowsAll, withShell, type ShadowInfo } from './accounts';
import { optionFieldsFrom } from '../option-fields';
import { answer, defineFact } from '../../facts/provider';
import type { TargetProbeItem } from '../../engine/target';

/**
 * Root account: lock root's password, so nobody logs in as root with a
 * password (console, SSH, su), after proving that a named admin user can log
 * in and elevate. sudo and doas keep working: they ask for the user's own
 * password, not root's. Keys in /root/.ssh/authorized_keys are not touched
 * (the ssh step decides whether root may log in with a key at all).
 */
export const rootAccountOptions = z
  .object({
    /** Also set root's shell to nologin: `su -`, `sudo -i` and console logins then end at once. */
    alsoDisableRootShell: z.boolean().default(false),
  })
  .strict();
export type RootAccountOptions = z.infer<typeof rootAccountOptions>;

export interface RootAccountFacts {
  shadow: ShadowInfo;
  /** `passwd -S root` status letter(s); null where passwd has no -S (busybox). */
  passwdStatus: string | null;
  passwdStatusLine: string;
  rootShell: string | null;
  /** Non-root users who can become root: admin-group members, doas rules, and the profile's user when sudo -l grants it everything. */
  admins: Array<{ user: string; via: string[] }>;
  /** Groups of the profile's user. */
  profileUserGroups: string[];
  nologin: string | null;
}

interface RootAccountData {
  lock: boolean;
  shell: string | null;
}

const PROBE = (user: string) => ({
  // getent shadow is glibc's; musl (Alpine) reads the file.
  shadow: ['sh', '-c', 'getent shadow root 2>/dev/null || grep "^root:" /etc/shadow'],
  status: ['passwd', '-S', 'root'],
  passwd: ['getent', 'passwd', 'root'],
  groups: ['getent', 'group', 'sudo', 'wheel', 'admin'],
  allGroups: ['getent', 'group'],
  doas: ['sh', '-c', 'cat /etc/doas.conf /etc/doas.d/*.conf 2>/dev/null; true'],
  userGroups: ['id', '-Gn', user],
  sudoRights: ['sudo', '-n', '-l', '-U', user],
  nologin: ['sh', '-c', 'for p in /usr/sbin/nologin /sbin/nologin; do [ -x "$p" ] && { echo "$p"; exit 0; }; done; exit 1'],
});

/** Read once per operation; the profile's user is a checked name before it reaches a command. */
export const rootAccountState = defineFact<RootAccountFacts>({
  id: 'root.account',
  commands: (env) => {
    if (!isValidName('unixUser', env.user)) throw new HardenLabError('BAD_INPUT', `The profile's user ${JSON.stringify(env.user)} is not a valid user name.`);
    return PROBE(env.user);
  },
  parse(answers, _second, env) {
    const user = env.user;
    const r = Object.fromEntries(Object.keys(PROBE(user)).map((k) => [k, answer(answers, k)])) as Record<keyof ReturnType<typeof PROBE>, TargetProbeItem>;
    // The hash is read, classified and dropped here: nothing later holds it.
    const shadow = classifyShadow(r.shadow.code === 0 ? r.shadow.stdout : null);
    const admins = new Map<string, string[]>(adminGroupMembers(r.groups.stdout));
    for (const u of doasAdmins(r.doas.stdout, r.allGroups.stdout)) admins.set(u, [...(admins.get(u) ?? []), 'doas']);
    // A rule in /etc/sudoers.d that no group shows (group members' rights come from %sudo/%wheel already).
    if (user !== 'root' && !admins.has(user) && r.sudoRights.code === 0 && sudoAllowsAll(r.sudoRights.stdout)) admins.set(user, ['sudoers rule']);
    return {
      shadow,
      passwdStatus: r.status.code === 0 ? parsePasswdStatus(r.status.stdout) : null,
      passwdStatusLine: r.status.code === 0 ? r.status.stdout.trim() : '',
      rootShell: r.passwd.code === 0 ? shellOf(r.passwd.stdout) : null,
      admins: [...admins].map(([u, via]) => ({ user: u, via })),
      profileUserGroups: r.userGroups.code === 0 ? r.userGroups.stdout.trim().split(/\s+/) : [],
      nologin: r.nologin.code === 0 ? r.nologin.stdout.trim() : null,
    };
  },
});

export function probeRootAccount(ctx: StepContext): Promise<RootAccountFacts> {
  return ctx.facts.get(rootAccountState);
}

function shadowEvidence(s: ShadowInfo): string {
  switch (s.state) {
    case 'locked':
      return `root's password is locked ("!" before the ${s.method ?? ''} hash)`;
    case 'no-password-login':
      return 'root has no usable password ("*" or "!")';
    case 'password':
      return `root has a ${s.method ?? ''} password hash that a password login can match`;
    case 'empty':
      return 'root has an EMPTY password field';
    default:
      return 'root\'s shadow entry could not be read';
  }
}

const ADMIN_TITLE = 'A named non-root user can become root (sudo, wheel, admin or doas)';

export const rootAccountStep: StepDefinition<RootAccountFacts, RootAccountOptions, RootAccountData> = {
  id: 'root-account',
  title: 'Root account: locked password, a named admin instead',
  summary: 'Lock root\'s password once a named admin user with sudo (or doas) is proven to work.',
  why: 'A root password is one secret that opens everything, and logins with it leave no trail of who used it. With root locked, people log in as themselves and elevate with sudo, which logs each command. Prove the admin user first, or the only way in is gone.',
  guideOrder: 25,
  readOnly: false,
  options: rootAccountOptions,
  optionFields: optionFieldsFrom(rootAccountOptions, {
    alsoDisableRootShell: { label: 'Also set root\'s shell to nologin', help: '`su -`, `sudo -i` and console logins as root end at once; `sudo COMMAND` still works.' },
  }),
  applyTimeoutMs: 2 * 60_000,

  facts: [rootAccountState],
  probe: probeRootAccount,

  async plan(facts, options, ctx): Promise<StepPlanDraft<RootAccountData>> {
    const lock = !isLockedState(facts.shadow.state);
    const files: StepPlanDraft['files'] = [];
    const warnings: NonNullable<StepPlanDraft['warnings']> = [];
    let shell: string | null = null;
    if (options.alsoDisableRootShell && !isNoLoginShell(facts.rootShell)) {
      if (!facts.nologin) {
        warnings.push({ kind: 'info', message: 'There is no nologin program on this VM (/usr/sbin/nologin or /sbin/nologin), so root\'s shell is left as it is.' });
      } else {
        const before = await ctx.target.readFile('/etc/passwd');
        const after = before === null ? null : withShell(before, 'root', facts.nologin);
        if (before !== null && after !== null && after !== before) {
          shell = facts.nologin;
          files.push({ path: '/etc/passwd', before, after });
          warnings.push({ kind: 'lockout-risk', message: `root's shell becomes ${facts.nologin}: \`su -\`, \`sudo -i\`, \`sudo su\` and console logins as root stop working; \`sudo COMMAND\` and \`sudo sh\` still work.` });
        }
      }
    }
    if (lock) {
      const admins = facts.admins.map((a) => `${a.user} (${a.via.join(', ')})`).join(', ') || 'none found';
      warnings.push({
        kind: 'lockout-risk',
        message: `After this, root cannot log in with a password anywhere: not on the console, not over SSH, not with su. sudo keeps working for ${ctx.profile.user} (admins: ${admins}), and Harden Lab proves a fresh login of ${ctx.profile.user} with elevation before and after. Rescue mode's root prompt (sulogin) also refuses a locked root: keep a snapshot, or boot with init=/bin/sh, to recover.`,
      });
    }
    if (facts.shadow.state === 'empty') warnings.push({ kind: 'info', message: 'root has an empty password field: right now anyone at the console logs in as root without a password.' });
    const nothingToDo = !lock && files.length === 0;
    const summary = nothingToDo
      ? `root's password is already locked${options.alsoDisableRootShell ? ` and its shell is ${facts.rootShell ?? 'unknown'}` : ''}.`
      : [lock ? 'Lock root\'s password (passwd -l root)' : '', shell ? `set root's shell to ${shell}` : ''].filter(Boolean).join('; ') + '.';
    return {
      summary,
      files,
      commands: lock ? [{ argv: ['passwd', '-l', 'root'], elevated: true, why: 'Put "!" before root\'s hash in /etc/shadow: no password matches it any more; the hash is kept, so `passwd -u root` undoes it.' }] : [],
      warnings,
      nothingToDo,
      data: { lock, shell },
    };
  },

  async preflight(facts, _draft, ctx) {
    const user = ctx.profile.user;
    if (user === 'root') {
      throw new HardenLabError('BAD_INPUT', 'This profile logs in as root, whose password is about to be locked.', {
        hint: 'Create an admin user with sudo (adduser NAME && usermod -aG sudo NAME, or wheel/doas on Alpine), install your key for it, use it in the profile, then plan again.',
      });
    }
    const mine = facts.admins.find((a) => a.user === user);
    if (!mine) {
      throw new HardenLabError('NO_ELEVATION', `${user} is not in sudo, wheel or admin, has no sudoers rule for every command and no doas rule, so locking root could leave nobody able to become root.`, {
        hint: `Add ${user} to the sudo group (Debian: usermod -aG sudo ${user}) or wheel (Alpine: addgroup ${user} wheel, or a doas rule), log in again, and plan again. Nothing was changed.`,
      });
    }
    const login = await ctx.freshLogin();
    if (!login.ok) {
      throw new HardenLabError('VERIFY_FAILED', `A fresh login of ${user} with elevation does not work now (${login.evidence}), so locking root could lock you out.`, { hint: 'Fix the login or the elevation first; nothing was changed.' });
    }
    ctx.log(`${user} is an admin (${mine.via.join(', ')}) and a fresh login with elevation works: ${login.evidence}`);
  },

  async verify(draft, ctx): Promise<VerifyCheck[]> {
    const d = draft.data!;
    const facts = await probeRootAccount(ctx);
    const checks: VerifyCheck[] = [];
    if (d.lock) {
      checks.push({ name: "root's password is locked in /etc/shadow", ok: facts.shadow.state === 'locked' || facts.shadow.state === 'no-password-login', evidence: shadowEvidence(facts.shadow) });
      if (facts.passwdStatus !== null) checks.push({ name: 'passwd -S root reports it locked', ok: facts.passwdStatus === 'L' || facts.passwdStatus === 'LK', evidence: facts.passwdStatusLine });
      // The server may still offer "password" to root (that is the ssh step's business); with the hash locked no password can match.
      const offered = ctx.offeredAuthMethods ? await ctx.offeredAuthMethods('root').catch(() => null) : null;
      const pwOffered = offered?.some((m) => m === 'password' || m === 'keyboard-interactive') ?? null;
      checks.push({
        name: 'A password login as root cannot succeed',
        ok: isLockedState(facts.shadow.state),
        evidence: `${shadowEvidence(facts.shadow)}; the SSH server offers root: ${offered ? offered.join(', ') || 'nothing' : 'unknown'}${pwOffered ? ' (password is offered, but nothing matches a locked hash)' : ''}`,
      });
    }
    if (d.shell) checks.push({ name: `root's shell is ${d.shell}`, ok: facts.rootShell === d.shell, evidence: `getent passwd root: shell ${facts.rootShell ?? 'unknown'}` });
    const login = await ctx.freshLogin();
    checks.push({ name: `A fresh login of ${ctx.profile.user} with elevation still works`, ok: login.ok, evidence: login.evidence });
    return checks;
  },

  // What a fleet host shows once the change holds, read the way verify reads it (passwd -S, getent).
  proofs: (draft): Proof[] => [
    ...(draft.data?.lock ? [{ name: 'passwd -S root reports it locked', argv: ['passwd', '-S', 'root'], elevated: true, expect: { kind: 'match' as const, pattern: '^root (L|LK) ' } }] : []),
    ...(draft.data?.shell ? [{ name: `root's shell is ${draft.data.shell}`, argv: ['getent', 'passwd', 'root'], elevated: false, expect: { kind: 'match' as const, pattern: `:${literal(draft.data.shell)}$` } }] : []),
  ],

  audit(facts): AuditCheckDraft[] {
    const locked = isLockedState(facts.shadow.state);
    return [
      {
        id: 'root-account.locked',
        title: 'root cannot log in with a password',
        status: facts.shadow.state === 'unknown' ? 'skip' : locked ? 'pass' : 'fail',
        evidence: [shadowEvidence(facts.shadow), facts.passwdStatusLine ? `passwd -S: ${facts.passwdStatusLine}` : ''].filter(Boolean).join('; '),
      },
      // A precondition of this step (its preflight refuses without one), not something its plan creates.
      facts.admins.length > 0
        ? { id: 'root-account.admin-user', title: ADMIN_TITLE, status: 'pass', evidence: facts.admins.map((a) => `${a.user} (${a.via.join(', ')})`).join(', ') }
        : {
            id: 'root-account.admin-user',
            title: ADMIN_TITLE,
            status: 'fail',
            evidence: 'no non-root member of sudo, wheel or admin and no doas rule',
            byHand: 'create an admin user with sudo and your key (Debian: adduser NAME && usermod -aG sudo NAME; Alpine: wheel or a doas rule), use it in the profile, then lock root with this step',
          },
    ];
  },
};
