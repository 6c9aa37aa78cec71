import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Profile } from '../../../../shared/profile';
import { adapterFor } from '../../distro/detect';
import type { StepContext, StepPlanDraft } from '../../engine/step';
import type { Target } from '../../engine/target';
import { withFreshFacts } from '../../facts/testing';
import { AUDITED_OPTIONS, SSHD_SETTINGS, sshOptions, valueOf, type SshOptions } from './settings';
import { sshStep, type SshData } from './step';
import { judgeProof } from '../../proofs/judge';
import { DEBIAN12_SSHD_CONFIG, sshdCopy, type SshdCopy } from './testing/sshd-copy';

// Plan, verify and audit of the ssh step on a copy of Debian 12's /etc/ssh, judged by the real sshd -T.
const debian = adapterFor(readFileSync(join(__dirname, '..', '..', 'distro', 'fixtures', 'debian-12-os-release'), 'utf8'));
const PROFILE = { name: 'lab', host: 'lab.test', port: 22, user: 'lab', auth: { kind: 'key', keyPath: '/k' }, hypervisor: { kind: 'qemu', vm: 'lab' } } as unknown as Profile;
const DROP_IN = '/etc/ssh/sshd_config.d/00-hardenlab.conf';

let copies: SshdCopy[] = [];
afterEach(() => {
  for (const c of copies) c.remove();
  copies = [];
});

function setUp(dropIns: Record<string, string> = {}): { copy: SshdCopy; ctx: StepContext } {
  const copy = sshdCopy({ '/etc/ssh/sshd_config': DEBIAN12_SSHD_CONFIG, ...dropIns });
  copies.push(copy);
  const ctx: StepContext = withFreshFacts({
    profile: PROFILE,
    target: { profile: PROFILE, ...copy.target } as Target,
    distro: debian,
    signal: new AbortController().signal,
    log: () => undefined,
    freshLogin: async () => ({ ok: true, evidence: 'a fresh login (not tried here)' }),
    reboot: async () => {
      throw new Error('not used here');
    },
  });
  return { copy, ctx };
}

async function planAndApply(options: Partial<SshOptions>, dropIns: Record<string, string> = {}): Promise<{ plan: StepPlanDraft<SshData>; copy: SshdCopy; ctx: StepContext }> {
  const { copy, ctx } = setUp(dropIns);
  const plan = await sshStep.plan(await sshStep.probe(ctx), sshOptions.parse(options), ctx);
  for (const f of plan.files) copy.write(f.path, f.after);
  return { plan, copy, ctx };
}

describe('the ssh settings table drives plan, verify and audit', () => {
  it('every setting is written by the plan that asks for it, and every default one is audited', async () => {
    for (const options of [AUDITED_OPTIONS, { ...AUDITED_OPTIONS, stronger: true }]) {
      const { plan } = await planAndApply(options);
      const written = plan.files.find((f) => f.path === DROP_IN)!.after!;
      for (const s of SSHD_SETTINGS.filter((x) => x.only === undefined || options.stronger)) expect(written, s.keyword).toContain(`\n${s.keyword} ${valueOf(s, options)}\n`);
      if (!options.stronger) for (const s of SSHD_SETTINGS.filter((x) => x.only)) expect(written).not.toContain(s.keyword);
    }
    const { ctx } = setUp();
    const audited = sshStep.audit(await sshStep.probe(ctx)).map((c) => c.id);
    expect(audited).toEqual(SSHD_SETTINGS.filter((s) => !s.only).map((s) => s.id));
  });

  it('verify proves each planned setting with sshd -T, globally and for this connection, and the audit then passes', async () => {
    for (const options of [AUDITED_OPTIONS, { ...AUDITED_OPTIONS, stronger: true }]) {
      const { plan, ctx } = await planAndApply(options);
      const checks = await sshStep.verify(plan, ctx);
      expect(checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.evidence}`).filter((l) => l.startsWith('FAIL'))).toEqual([]);
      expect(checks.filter((c) => c.name.startsWith('sshd -T'))).toHaveLength(3);
      expect(sshStep.audit(await sshStep.probe(ctx)).filter((c) => c.status !== 'pass')).toEqual([]);
      expect((await sshStep.plan(await sshStep.probe(ctx), options, ctx)).nothingToDo).toBe(true);
    }
  });

  it('its proofs (what a fleet host runs) hold on the real sshd -T once verify passes, and fail before the change', async () => {
    for (const options of [AUDITED_OPTIONS, { ...AUDITED_OPTIONS, stronger: true }, sshOptions.parse({ rootLogin: 'prohibit-password' })]) {
      const { copy, ctx } = setUp();
      const plan = await sshStep.plan(await sshStep.probe(ctx), options, ctx);
      const proofs = sshStep.proofs!(plan);
      expect(proofs.map((p) => p.name)).toEqual(plan.data!.desired.map((d) => expect.stringContaining(d.keyword.toLowerCase())));
      const before = await ctx.target.exec(proofs[0]!.argv, { elevate: true });
      expect(proofs.filter((p) => !judgeProof(p, before).ok).map((p) => p.name)).toEqual(expect.arrayContaining(['sshd -T: passwordauthentication no']));
      for (const f of plan.files) copy.write(f.path, f.after);
      const after = await ctx.target.exec(proofs[0]!.argv, { elevate: true });
      expect(proofs.map((p) => `${p.name}: ${judgeProof(p, after).evidence}`).filter((l) => l.includes('wanted'))).toEqual([]);
      expect((await sshStep.verify(plan, ctx)).every((c) => c.ok)).toBe(true);
    }
  });

  it('root with a key only: verify accepts "without-password", the name sshd -T prints for it, and the audit still fails it', async () => {
    const { plan, ctx } = await planAndApply({ rootLogin: 'prohibit-password' });
    expect(plan.files[0]!.after).toContain('\nPermitRootLogin prohibit-password\n');
    const facts = await sshStep.probe(ctx);
    expect(facts.effective.permitrootlogin).toBe('without-password');
    expect((await sshStep.verify(plan, ctx)).every((c) => c.ok)).toBe(true);
    expect(sshStep.audit(facts).find((c) => c.id === 'ssh.root-login')).toMatchObject({ status: 'fail', evidence: 'sshd -T: permitrootlogin without-password (wanted no)' });
    expect((await sshStep.plan(facts, sshOptions.parse({ rootLogin: 'prohibit-password' }), ctx)).nothingToDo).toBe(true);
  });

  it('keeps what an earlier plan set: the defaults after "stronger" change nothing, and a new default joins the rest', async () => {
    const { ctx, copy } = await planAndApply({ stronger: true });
    expect((await sshStep.plan(await sshStep.probe(ctx), AUDITED_OPTIONS, ctx)).nothingToDo).toBe(true);
    // An older drop-in of ours without X11Forwarding: the new default is added, the stronger lines stay.
    const older = (await sshStep.probe(ctx)).files.find((f) => f.path === DROP_IN)!.content.replace('X11Forwarding no\n', '');
    copy.write(DROP_IN, older);
    const plan = await sshStep.plan(await sshStep.probe(ctx), AUDITED_OPTIONS, ctx);
    expect(plan.files.map((f) => f.path)).toEqual([DROP_IN]);
    expect(plan.files[0]!.after).toContain('\nX11Forwarding no\n');
    expect(plan.files[0]!.after).toContain('\nAllowTcpForwarding no\n');
    expect(plan.warnings?.map((w) => w.message).join('\n')).toMatch(/Kept from this step's earlier change: LoginGraceTime 30, AllowAgentForwarding no, AllowTcpForwarding no/);
    copy.write(DROP_IN, plan.files[0]!.after);
    expect((await sshStep.verify(plan, ctx)).every((c) => c.ok)).toBe(true);
  });

  it('never loosens a stricter value it finds: MaxAuthTries 2 stays 2', async () => {
    const { plan, ctx } = await planAndApply({}, { '/etc/ssh/sshd_config.d/10-site.conf': 'MaxAuthTries 2\nX11Forwarding no\n' });
    expect(plan.files[0]!.after).toContain('\nMaxAuthTries 2\n');
    const facts = await sshStep.probe(ctx);
    expect(facts.effective.maxauthtries).toBe('2');
    expect(sshStep.audit(facts).find((c) => c.id === 'ssh.max-auth-tries')?.status).toBe('pass');
  });

  it('warns from each setting\'s risk: a lockout for the login settings, what stops working for the others', async () => {
    const { plan } = await planAndApply({});
    expect(plan.warnings?.map((w) => w.kind)).toContain('lockout-risk');
    expect(plan.warnings?.find((w) => w.kind === 'info')?.message).toMatch(/X11Forwarding no: ssh -X no longer shows graphical programs/);
    // Only the forwarding settings left to change: no lockout warning, no confirmation needed for it.
    const { plan: stronger } = await planAndApply({ stronger: true }, { '/etc/ssh/sshd_config.d/10-site.conf': 'PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nMaxAuthTries 3\n' });
    expect(stronger.warnings?.map((w) => w.kind)).not.toContain('lockout-risk');
    expect(stronger.warnings?.find((w) => w.kind === 'info')?.message).toMatch(/AllowTcpForwarding no: this VM as an SSH jump host/);
  });
});
