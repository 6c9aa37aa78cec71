import { HardenLabError } from '../../errors';
import { parseReadGlobs, readGlobsCommand } from '../../facts/files';
import { answer, defineFact } from '../../facts/provider';
import type { AuditCheckDraft, StepContext, StepDefinition, StepPlanDraft, VerifyCheck } from '../../engine/step';
import { AUDITED_OPTIONS, desiredSettings, holds, selectSettings, settingFor, settingsFor, SSHD_SETTINGS, sshOptions, wanted, type SshOptions } from './settings';
import { canonicalKey, canonicalValue, includePatterns, ourDirectives, parseSshdT, planSshdEdit, type DesiredSetting, type SshdFile } from './sshd-config';
import { optionFieldsFrom } from '../option-fields';
import { SSHD, sshdProofs } from './proofs';

export { desiredSettings, sshOptions, type SshOptions } from './settings';

/**
 * SSH access: no root login, keys only. The one step that can lock the
 * operator out, so it proves before it changes (a fresh key login of a
 * non-root user with working elevation), edits so that the setting really
 * wins (see sshd-config.ts), validates with `sshd -t` before the reload, and
 * verifies with `sshd -T` (also for this very connection's Match context),
 * with the list of methods the server now offers, and with a fresh login
 * while the old session stays open.
 */
const MAIN = '/etc/ssh/sshd_config';

export interface SshFacts {
  files: SshdFile[];
  effective: Record<string, string>;
  /** This session's "client-ip client-port server-ip server-port", for sshd -T -C. */
  sshConnection: string;
  sshdTError?: string;
}

export interface SshData {
  /** What the written files set (plain data: keyword and value). */
  desired: Array<Pick<DesiredSetting, 'keyword' | 'value'>>;
  options: SshOptions;
}

/** Whether sshd's value for a planned keyword is right: the setting's own rule when the options ask for it, else the very value written (a kept line, AllowUsers of the lockout demo). */
function inEffect(d: Pick<DesiredSetting, 'keyword' | 'value'>, options: SshOptions, value: string | undefined): boolean {
  const s = settingFor(d.keyword);
  if (s && settingsFor(options).includes(s)) return holds(s, options, value);
  return value !== undefined && canonicalValue(d.keyword, value) === canonicalValue(d.keyword, d.value);
}

/**
 * sshd_config, sshd -T and this session's address in the first round trip;
 * every file its Include lines name (expanded by the remote shell, as sshd
 * would) listed and read in the second, batched with the other steps' facts.
 */
export const sshdState = defineFact<SshFacts>({
  id: 'sshd.state',
  commands: () => ({ main: ['cat', MAIN], effective: [SSHD, '-T'], conn: ['sh', '-c', 'printf %s "$SSH_CONNECTION"'] }),
  then(first) {
    const patterns = first.main?.code === 0 ? includePatterns(first.main.stdout) : [];
    return patterns.length > 0 ? { included: readGlobsCommand(patterns) } : undefined;
  },
  parse(first, second, env) {
    const main = answer(first, 'main');
    if (main.code !== 0) throw new HardenLabError('REMOTE_COMMAND_FAILED', `${MAIN} could not be read on ${env.host}.`, { hint: 'Is the OpenSSH server installed?' });
    const files: SshdFile[] = [{ path: MAIN, content: main.stdout }, ...parseReadGlobs(answer(second, 'included').stdout).filter((f) => f.path !== MAIN)];
    const effective = answer(first, 'effective');
    return {
      files,
      effective: Object.fromEntries(parseSshdT(effective.stdout)),
      sshConnection: answer(first, 'conn').stdout.trim(),
      ...(effective.code !== 0 ? { sshdTError: effective.stderr?.trim() || 'sshd -T failed' } : {}),
    };
  },
});

export function probeSsh(ctx: StepContext): Promise<SshFacts> {
  return ctx.facts.get(sshdState);
}

function connectionSpec(user: string, sshConnection: string): string {
  const [addr = '127.0.0.1', , laddr = '127.0.0.1', lport = '22'] = sshConnection.split(' ');
  return `user=${user},host=${addr},addr=${addr},laddr=${laddr},lport=${lport}`;
}

async function effectiveFor(ctx: StepContext, spec: string | null): Promise<Map<string, string>> {
  const r = await ctx.target.exec([SSHD, '-T', ...(spec ? ['-C', spec] : [])], { elevate: true });
  if (r.code !== 0) throw new HardenLabError('VERIFY_FAILED', `sshd -T failed: ${r.stderr.trim()}`);
  return parseSshdT(r.stdout);
}

export const sshStep: StepDefinition<SshFacts, SshOptions, SshData> = {
  id: 'ssh',
  title: 'No root login, key-only SSH',
  summary: 'Turn off root logins and passwords over SSH, so only keys of named users get in.',
  why: 'A container host is reached over SSH first. Password logins invite guessing, and a root login skips the trail that sudo leaves. Keys for named users with sudo are the minimum. Set up and prove your key before turning passwords off, or you lock yourself out.',
  guideOrder: 20,
  readOnly: false,
  options: sshOptions,
  optionFields: optionFieldsFrom(sshOptions, {
    rootLogin: { label: 'Root login', choices: { no: 'Never (the guide)', 'prohibit-password': 'Only with a key' } },
    stronger: { label: 'Stronger settings', help: `Also ${strongerOnly()}. Not audited: each stops something some hosts rely on.` },
    settings: { label: 'Only these settings', help: `Leave empty for all that the options above choose. Known: ${SSHD_SETTINGS.map((x) => x.id).join(', ')}.` },
  }),
  settings: {
    known: SSHD_SETTINGS.map((x) => ({ id: x.id, why: `${x.keyword} ${typeof x.value === 'string' ? x.value : x.value(AUDITED_OPTIONS)}: ${x.why}` })),
    explain: (id) => (SSHD_SETTINGS.some((x) => x.id === id) ? null : `"${id.slice(0, 60)}" is not an sshd setting of the ssh step (known: ${SSHD_SETTINGS.map((x) => x.id).join(', ')}).`),
    select: selectSettings,
    planned: (draft) => (draft.data ? settingsFor(draft.data.options).map((x) => x.id) : []),
  },
  applyTimeoutMs: 2 * 60_000,

  facts: [sshdState],
  probe: probeSsh,

  plan(facts, options, ctx): StepPlanDraft<SshData> {
    // What an earlier plan of this step set and these options do not ask for ("stronger" turned off,
    // or the audit's Fix link planning with the defaults) stays: a plan never loosens what it set.
    const selected = new Set(settingsFor(options).map((s) => canonicalKey(s.keyword)));
    const kept = ourDirectives(MAIN, facts.files).flatMap((d) => {
      const s = settingFor(d.keyword);
      return s && !selected.has(canonicalKey(s.keyword)) ? [{ keyword: s.keyword, value: d.value }] : [];
    });
    const desired = [...desiredSettings(options, facts.effective), ...kept];
    const edit = planSshdEdit(MAIN, facts.files, desired);
    const files = edit.files;
    const nothingToDo = files.length === 0;
    const warnings: StepPlanDraft['warnings'] = [];
    // What changes for sshd now; a Match line disabled changes its keyword for some connections.
    const changing = nothingToDo ? [] : settingsFor(options).filter((s) => !holds(s, options, facts.effective[canonicalKey(s.keyword)]) || edit.disabledOverrides.some((d) => d.key === canonicalKey(s.keyword)));
    if (changing.some((s) => s.risk === 'lockout')) {
      warnings.push({
        kind: 'lockout-risk',
        message: `After this, only key logins of non-root users work. Harden Lab first proves that ${ctx.profile.user} can log in with a key and become root, and reverts the snapshot if the new settings shut that login out.`,
      });
    }
    if (ctx.profile.user === 'root' && options.rootLogin === 'no') {
      warnings.push({ kind: 'lockout-risk', message: 'This profile logs in as root, which this change forbids. Create an admin user with sudo and a key first (step "root-account"), and use it in the profile.' });
    }
    if (edit.disabledOverrides.length > 0) {
      warnings.push({
        kind: 'info',
        message: `Match blocks re-enabled what this step turns off; these lines are disabled: ${edit.disabledOverrides.map((d) => `${d.keyword} ${d.value} (${d.file}:${d.line + 1}, Match ${d.match})`).join('; ')}.`,
      });
    }
    if (kept.length > 0 && !nothingToDo) {
      warnings.push({ kind: 'info', message: `Kept from this step's earlier change: ${kept.map((d) => `${d.keyword} ${d.value}`).join(', ')}. Restore its snapshot, or edit the file by hand, to undo them.` });
    }
    const breaks = changing.flatMap((s) => (typeof s.risk === 'object' ? [`${s.keyword} ${desired.find((d) => d.keyword === s.keyword)!.value}: ${s.risk.breaks}`] : []));
    if (breaks.length > 0) warnings.push({ kind: 'info', message: `What stops working: ${breaks.join('; ')}.` });
    const summary = nothingToDo
      ? 'sshd already refuses root and password logins.'
      : `${edit.placement === 'drop-in' ? 'Add /etc/ssh/sshd_config.d/00-hardenlab.conf, read before the other drop-ins,' : 'Put the settings at the top of /etc/ssh/sshd_config'} so that ${desired.map((d) => `${d.keyword} ${d.value}`).join(', ')} win; validate with sshd -t; reload sshd.`;
    return {
      summary,
      files: files.map((f) => ({ path: f.path, before: f.before, after: f.after, ...(f.mode ? { mode: f.mode } : {}) })),
      commands: nothingToDo
        ? []
        : [
            { argv: [SSHD, '-t'], elevated: true, why: 'Check the new configuration before sshd reads it.' },
            { argv: ctx.distro.reloadService(ctx.distro.sshService), elevated: true, why: 'Reload sshd; open sessions stay up.' },
          ],
      warnings,
      nothingToDo,
      data: { desired: desired.map(({ keyword, value }) => ({ keyword, value })), options },
    };
  },

  async preflight(_facts, _draft, ctx) {
    if (ctx.profile.user === 'root') {
      throw new HardenLabError('BAD_INPUT', 'This profile logs in as root, and root logins are about to be turned off.', {
        hint: 'Use a non-root admin user with sudo and an SSH key in the profile first.',
      });
    }
    if (ctx.profile.auth.kind === 'password') {
      throw new HardenLabError('BAD_INPUT', `This profile logs in to ${ctx.profile.host} with a password, and passwords are about to be turned off.`, {
        hint: 'Install your public key for this user on the VM (ssh-copy-id), switch the profile to key authentication, and plan again.',
      });
    }
    const login = await ctx.freshLogin();
    if (!login.ok) {
      throw new HardenLabError('VERIFY_FAILED', `A fresh key login of ${ctx.profile.user} with elevation does not work now (${login.evidence}), so turning passwords off could lock you out.`, {
        hint: 'Fix the key login first; nothing was changed.',
      });
    }
    ctx.log(`A fresh key login of ${ctx.profile.user} with elevation works: ${login.evidence}`);
  },

  async verify(draft, ctx): Promise<VerifyCheck[]> {
    const desired = draft.data?.desired ?? [];
    const options = draft.data?.options ?? AUDITED_OPTIONS;
    const checks: VerifyCheck[] = [];
    const conn = (await ctx.target.exec(['sh', '-c', 'printf %s "$SSH_CONNECTION"'])).stdout.trim();
    const contexts: Array<[string, string | null]> = [
      ['global', null],
      [`for ${ctx.profile.user} from this machine`, connectionSpec(ctx.profile.user, conn)],
      ['for root from this machine', connectionSpec('root', conn)],
    ];
    for (const [label, spec] of contexts) {
      const eff = await effectiveFor(ctx, spec);
      const wrong = desired.filter((d) => !inEffect(d, options, eff.get(canonicalKey(d.keyword))));
      checks.push({
        name: `sshd -T ${label} shows the hardened settings`,
        ok: wrong.length === 0,
        evidence:
          wrong.length === 0
            ? desired.map((d) => `${canonicalKey(d.keyword)} ${eff.get(canonicalKey(d.keyword))}`).join(', ')
            : wrong.map((d) => `${canonicalKey(d.keyword)} is ${eff.get(canonicalKey(d.keyword)) ?? 'unset'}, wanted ${d.value}`).join('; '),
      });
    }
    if (ctx.offeredAuthMethods) {
      const methods = await ctx.offeredAuthMethods('root');
      const bad = methods.filter((m) => m === 'password' || m === 'keyboard-interactive');
      checks.push({ name: 'The server no longer offers password logins', ok: bad.length === 0, evidence: `offered: ${methods.join(', ') || 'none'}` });
    }
    const login = await ctx.freshLogin();
    checks.push({ name: `A fresh key login of ${ctx.profile.user} with elevation still works`, ok: login.ok, evidence: login.evidence });
    return checks;
  },

  // The global context verify checks first, line by line; a fleet host proves its own fresh connection after it.
  proofs: (draft) => (draft.data ? sshdProofs(draft.data.desired, draft.data.options) : []),

  audit(facts): AuditCheckDraft[] {
    return settingsFor(AUDITED_OPTIONS).map((s): AuditCheckDraft => {
      const key = canonicalKey(s.keyword);
      const v = facts.effective[key];
      if (v === undefined) return { id: s.id, title: s.title, status: 'skip', evidence: facts.sshdTError ?? `${key} not reported by sshd -T` };
      const ok = holds(s, AUDITED_OPTIONS, v);
      return { id: s.id, title: s.title, status: ok ? 'pass' : 'fail', evidence: `sshd -T: ${key} ${v}${ok ? '' : ` (wanted ${wanted(s, AUDITED_OPTIONS)})`}` };
    });
  },
};

/** "MaxAuthTries 3, LoginGraceTime 30, ...": what the "stronger" option adds or tightens, from the table. */
function strongerOnly(): string {
  const stronger = { ...AUDITED_OPTIONS, stronger: true };
  const base = new Map(desiredSettings(AUDITED_OPTIONS).map((d) => [d.keyword, d.value]));
  return desiredSettings(stronger)
    .filter((d) => base.get(d.keyword) !== d.value)
    .map((d) => `${d.keyword} ${d.value}`)
    .join(', ');
}
