import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile';
import { adapterFor } from '../distro/detect';
import { reportCheck } from '../engine/audit-check';
import type { AnyStep, AuditCheckDraft, StepContext, StepPlanDraft } from '../engine/step';
import type { Target, TargetProbeItem } from '../engine/target';
import { withFreshFacts } from '../facts/testing';
import { guestFiles } from '../lab/image/guest-files';
import { modulesFactsFrom } from './modules/probe';
import { modulesStep } from './modules/step';
import { recordedModuleAnswers } from './modules/testing/recorded';
import { rootAccountStep } from './root-account/step';
import { sshStep } from './ssh/step';
import { DEBIAN12_SSHD_CONFIG, sshdCopy } from './ssh/testing/sshd-copy';
import { sysctlFactsFrom } from './sysctl/probe';
import { parseSysctlConf } from './sysctl/parse';
import { sysctlStep } from './sysctl/step';
import { debian12SysctlFiles, recordedSysctlAnswers } from './sysctl/testing/recorded';

/**
 * The audit's promise, for every setting-style step: a failing check that
 * offers "Fix: <step>" is closed by that step's plan made with the options
 * the Fix link opens the step with. The Dashboard's Fix link only selects
 * the step, so the plan is made with no options: the step's defaults.
 *
 * Each case starts from facts recorded on the lab VM (or on Debian 12 as it
 * ships), audits them, plans, applies the plan's effect to those facts, and
 * audits again. The effect is judged by the real program where one runs
 * here (OpenSSH's `sshd -T` on the edited files, kmod's `modprobe -D` with
 * the edited modprobe.d), and by the step's own parsers otherwise.
 */
const FIX_LINK_OPTIONS = {};

const here = (...p: string[]) => join(__dirname, ...p);
const distroFx = (name: string) => readFileSync(here('..', 'distro', 'fixtures', name), 'utf8');
const debian = adapterFor(distroFx('debian-12-os-release'));
const PROFILE = { name: 'lab', host: 'lab.test', port: 22, user: 'lab', auth: { kind: 'key', keyPath: '/k' }, hypervisor: { kind: 'qemu', vm: 'lab' } } as unknown as Profile;

function contextFor(target: Partial<Target>, profile: Profile = PROFILE): StepContext {
  return withFreshFacts({
    profile,
    target: { profile, ...target } as Target,
    distro: debian,
    signal: new AbortController().signal,
    log: () => undefined,
    freshLogin: async () => ({ ok: true, evidence: 'not used here' }),
    reboot: async () => {
      throw new Error('not used here');
    },
  });
}

/** The failing checks the report offers a Fix link for, as the engine maps them. */
function claimedByFix(checks: readonly AuditCheckDraft[]): AuditCheckDraft[] {
  return checks.filter((c) => c.status === 'fail' && reportCheck('any', c).fixStep !== undefined);
}

function describeChecks(checks: readonly AuditCheckDraft[]): string {
  return checks.map((c) => `${c.status} ${c.id}: ${c.evidence}`).join('\n');
}

/**
 * Audit, plan with the Fix link's options, apply the effect, audit again:
 * every check the Fix claimed now passes, nothing that passed fails, and
 * planning again has nothing left to do.
 */
async function expectFixCloses<F>(step: AnyStep, ctx: StepContext, probe: () => Promise<F>, applyEffect: (facts: F, plan: StepPlanDraft) => Promise<void> | void): Promise<{ before: AuditCheckDraft[]; after: AuditCheckDraft[]; plan: StepPlanDraft }> {
  const facts = await probe();
  const before = step.audit(facts);
  const plan = await step.plan(facts, step.options.parse(FIX_LINK_OPTIONS), ctx);
  await applyEffect(facts, plan);
  const afterFacts = await probe();
  const after = step.audit(afterFacts);
  const claimed = claimedByFix(before);
  const byId = new Map(after.map((c) => [c.id, c]));
  const report = `plan: ${plan.summary}\nbefore:\n${describeChecks(before)}\nafter:\n${describeChecks(after)}`;
  for (const c of claimed) expect(byId.get(c.id)?.status, `${c.id} claims a Fix, but after the plan:\n${report}`).toBe('pass');
  for (const c of before.filter((x) => x.status === 'pass')) expect(byId.get(c.id)?.status, `${c.id} passed before the plan:\n${report}`).toBe('pass');
  // A check that now fails must be one the step leaves to the operator, and says so.
  expect(claimedByFix(after), report).toEqual([]);
  expect((await step.plan(afterFacts, step.options.parse(FIX_LINK_OPTIONS), ctx)).nothingToDo, `planning again after the fix:\n${report}`).toBe(true);
  return { before, after, plan };
}

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
function tempRoot(prefix: string): string {
  const r = mkdtempSync(join(tmpdir(), prefix));
  roots.push(r);
  return r;
}

// ---------------------------------------------------------------- ssh

const LAB_DROP_IN = guestFiles().find((f) => f.path === '/etc/ssh/sshd_config.d/50-cloud-init.conf')!.content;

describe('ssh: the Fix plan closes every failing sshd check, judged by the real sshd -T', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['Debian 12 as it ships', {}],
    ['the lab baseline (a cloud-init drop-in that lets passwords and root in)', { '/etc/ssh/sshd_config.d/50-cloud-init.conf': LAB_DROP_IN }],
  ];
  for (const [name, dropIns] of cases) {
    it(name, async () => {
      const copy = sshdCopy({ '/etc/ssh/sshd_config': DEBIAN12_SSHD_CONFIG, ...dropIns });
      roots.push(copy.root);
      const ctx = contextFor(copy.target);
      const { before } = await expectFixCloses(sshStep, ctx, () => sshStep.probe(ctx), (_facts, plan) => {
        for (const f of plan.files) copy.write(f.path, f.after);
      });
      // The Debian defaults the audit fails: the Fix must cover them, not only passwords.
      expect(claimedByFix(before).map((c) => c.id)).toEqual(expect.arrayContaining(['ssh.password-auth', 'ssh.x11-forwarding', 'ssh.max-auth-tries']));
    });
  }
});

// ---------------------------------------------------------------- sysctl

const SYSCTL_PATH = '/etc/sysctl.d/99-zz-hardenlab.conf';

describe('sysctl: the Fix plan closes every failing sysctl check', () => {
  it('on the lab baseline, with the values the planned file gives once `sysctl -p` read it', async () => {
    const answers = recordedSysctlAnswers();
    const files = debian12SysctlFiles();
    const ctx = contextFor({});
    const { before } = await expectFixCloses(sysctlStep, ctx, async () => sysctlFactsFrom(answers, files, SYSCTL_PATH), (_facts, plan) => {
      const ours = plan.files.find((f) => f.path === SYSCTL_PATH)!.after!;
      // What `sysctl -p FILE` does to `sysctl -a`: each assignment of the file replaces the key's value.
      const set = new Map(parseSysctlConf(ours).map((a) => [a.key, a.value]));
      answers.all = { code: 0, stdout: answers.all!.stdout.replace(/^(\S+) = .*$/gm, (line, key: string) => (set.has(key) ? `${key} = ${set.get(key)}` : line)) };
      answers.ourFile = { code: 0, stdout: ours };
    });
    expect(claimedByFix(before).length).toBeGreaterThan(10);
  });
});

// ---------------------------------------------------------------- modules

const MODULES_PATH = '/etc/modprobe.d/hardenlab-blacklist.conf';
const KERNEL = '6.1.0-50-cloud-amd64';
const MODPROBE = ['/usr/sbin/modprobe', '/sbin/modprobe', '/usr/bin/modprobe'].find((p) => existsSync(p));

function moduleAnswers(loadedExtra = ''): Record<string, TargetProbeItem> {
  const out = recordedModuleAnswers();
  out.modules = { code: 0, stdout: out.modules!.stdout + loadedExtra };
  return out;
}

/**
 * The effect of a modules plan on the probe's answers: the modprobe.d files
 * as the VM has them (the recorded install/blacklist lines) plus the planned
 * file, judged by the real kmod `modprobe -D`; the unloaded modules gone
 * from /proc/modules.
 */
function applyModulesPlan(answers: Record<string, TargetProbeItem>, plan: StepPlanDraft): void {
  if (!MODPROBE) throw new Error('kmod is required for this test: apt-get install kmod');
  const root = tempRoot('hl-fix-mod-');
  const conf = join(root, 'modprobe.d');
  mkdirSync(conf, { recursive: true });
  mkdirSync(join(root, 'lib', 'modules', KERNEL), { recursive: true });
  writeFileSync(join(root, 'lib', 'modules', KERNEL, 'modules.dep'), answers.modulesDep!.stdout);
  const recorded = new Map<string, string[]>();
  for (const line of answers.rules!.stdout.split('\n')) {
    const m = /^(.+?):\d+:(.*)$/.exec(line);
    if (m) recorded.set(basename(m[1]!), [...(recorded.get(basename(m[1]!)) ?? []), m[2]!]);
  }
  for (const [name, lines] of recorded) writeFileSync(join(conf, name), lines.join('\n') + '\n');
  const ours = plan.files.find((f) => f.path === MODULES_PATH)?.after;
  if (ours) writeFileSync(join(conf, basename(MODULES_PATH)), ours);
  answers.ourFile = ours ? { code: 0, stdout: ours } : answers.ourFile!;
  answers.rules = { code: 0, stdout: answers.rules!.stdout + (ours ?? '').split('\n').map((l, i) => (/^\s*(install|blacklist)\s/.test(l) ? `${MODULES_PATH}:${i + 1}:${l}\n` : '')).join('') };
  for (const key of Object.keys(answers).filter((k) => k.startsWith('dry:'))) {
    const m = key.slice(4);
    const r = spawnSync(MODPROBE, ['-C', conf, '-S', KERNEL, '-d', root, '-D', m], { encoding: 'utf8' });
    // Without the binary module index only install lines resolve; a module the file does not block keeps its recorded answer.
    if (r.status === 0 && r.stdout.startsWith('install ')) answers[key] = { code: 0, stdout: r.stdout };
  }
  const unloaded = plan.commands.filter((c) => c.argv[0] === 'modprobe' && c.argv[1] === '-r').map((c) => c.argv[2]);
  answers.modules = { code: 0, stdout: answers.modules!.stdout.split('\n').filter((l) => !unloaded.includes(l.split(' ')[0])).join('\n') };
}

describe('modules: the Fix plan closes every failing module check, judged by the real modprobe -D', () => {
  const cases: Array<[string, string]> = [
    ['the lab baseline', ''],
    ['with squashfs and dccp loaded and unused', 'squashfs 45056 0 - Live 0x0000000000000000\ndccp 90112 0 - Live 0x0000000000000000\n'],
  ];
  for (const [name, extra] of cases) {
    it(name, async () => {
      const answers = moduleAnswers(extra);
      const ctx = contextFor({ probe: async () => ({}) as never });
      const probe = async () => modulesFactsFrom(answers, MODULES_PATH, (v) => debian.kmodPackageNeeded(v));
      const { before } = await expectFixCloses(modulesStep, ctx, probe, (_f, plan) => applyModulesPlan(answers, plan));
      expect(claimedByFix(before).map((c) => c.id)).toEqual(expect.arrayContaining(['modules.blacklisted.sctp', 'modules.blacklisted.squashfs']));
    });
  }

  it('with sctp loaded and in use: the step leaves it alone, so its checks are left to the operator', async () => {
    const answers = moduleAnswers('sctp 413696 2 - Live 0x0000000000000000\n');
    const ctx = contextFor({ probe: async () => ({}) as never });
    const probe = async () => modulesFactsFrom(answers, MODULES_PATH, (v) => debian.kmodPackageNeeded(v));
    const { after, plan } = await expectFixCloses(modulesStep, ctx, probe, (_f, p) => applyModulesPlan(answers, p));
    expect(plan.warnings?.map((w) => w.message).join('\n')).toMatch(/sctp is loaded and in use/);
    expect(after.find((c) => c.id === 'modules.blacklisted.sctp')).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/in use/), byHand: expect.stringMatching(/stop what uses sctp/) });
    expect(after.find((c) => c.id === 'modules.loaded-unneeded')).toMatchObject({ status: 'fail', byHand: expect.stringMatching(/sctp/) });
  });
});

// ---------------------------------------------------------------- root-account

// The probe's answers on the lab VM (Debian 12): root has a yescrypt password, lab and labpw are in sudo.
const ROOT_SHADOW = 'root:$y$j9T$Q0Ip4sZ7cV0yQ2c3N5m8e/$0c1ZQ9gqH3n7u4zq4Lw2oZr2k0yPp1tXbq7QmZb3B8C:20786:0:99999:7:::\n';
function rootAnswers(): Record<string, TargetProbeItem> {
  return {
    shadow: { code: 0, stdout: ROOT_SHADOW },
    status: { code: 0, stdout: 'root P 2026-11-29 0 99999 7 -1\n' },
    passwd: { code: 0, stdout: 'root:x:0:0:root:/root:/bin/bash\n' },
    groups: { code: 0, stdout: 'sudo:x:27:lab,labpw\n' },
    allGroups: { code: 0, stdout: 'root:x:0:\nsudo:x:27:lab,labpw\nlab:x:1000:\nlabpw:x:1001:\n' },
    doas: { code: 0, stdout: '' },
    userGroups: { code: 0, stdout: 'lab sudo\n' },
    sudoRights: { code: 0, stdout: 'User lab may run the following commands on hardenlab:\n    (ALL : ALL) NOPASSWD: ALL\n' },
    nologin: { code: 0, stdout: '/usr/sbin/nologin\n' },
  };
}

describe('root-account: the Fix plan closes every failing root check', () => {
  it('on the lab baseline, with what `passwd -l root` leaves in /etc/shadow', async () => {
    const answers = rootAnswers();
    const ctx = contextFor({ probe: async (commands) => Object.fromEntries(Object.keys(commands).map((k) => [k, answers[k.slice(k.indexOf(':') + 1)]])) as never });
    const { before } = await expectFixCloses(rootAccountStep, ctx, () => rootAccountStep.probe(ctx), (_f, plan) => {
      expect(plan.commands.map((c) => c.argv.join(' '))).toEqual(['passwd -l root']);
      // shadow-utils: "!" before the hash, and passwd -S then says L.
      answers.shadow = { code: 0, stdout: ROOT_SHADOW.replace(/^root:/, 'root:!') };
      answers.status = { code: 0, stdout: 'root L 2026-11-29 0 99999 7 -1\n' };
    });
    expect(claimedByFix(before).map((c) => c.id)).toEqual(['root-account.locked']);
  });

  it('with no admin user besides root: that check is left to the operator, with no Fix link', async () => {
    const answers: Record<string, TargetProbeItem> = { ...rootAnswers(), groups: { code: 0, stdout: 'sudo:x:27:\n' }, userGroups: { code: 0, stdout: 'root\n' }, sudoRights: { code: 1, stdout: '' } };
    const ctx = contextFor({ probe: async (commands) => Object.fromEntries(Object.keys(commands).map((k) => [k, answers[k.slice(k.indexOf(':') + 1)]])) as never }, { ...PROFILE, user: 'root' });
    const { after } = await expectFixCloses(rootAccountStep, ctx, () => rootAccountStep.probe(ctx), () => {
      answers.shadow = { code: 0, stdout: ROOT_SHADOW.replace(/^root:/, 'root:!') };
      answers.status = { code: 0, stdout: 'root L 2026-11-29 0 99999 7 -1\n' };
    });
    expect(after.find((c) => c.id === 'root-account.admin-user')).toMatchObject({ status: 'fail', byHand: expect.stringMatching(/sudo/) });
  });
});
