import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ApplyResultShape, BisectionShape } from '../../../shared/domain';
import type { TrialComparisonShape, TrialPlanShape } from '../../../shared/policy';
import { CanaryStore } from '../canaries/store';
import { labExecOk, labTestContext } from '../lab/testing';
import { PolicyStore } from '../policies/store';
import { run } from '../proc';
import { ALL_STEPS } from '../steps/registry';
import { useCleanLab } from '../testing/lab-core';

// Trials of whole policies on the real lab VM, through the CLI as an operator runs them:
// a KSPP trial that a user tool needing unprivileged user namespaces breaks, its bisection,
// the trial without the culprit, the guide from the same baseline, and the two compared.
const core = useCleanLab('trials');
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const CLI = join(root, 'electron', 'cli', 'hardenlab.mjs');
const files = mkdtempSync(join(tmpdir(), 'hl-policies-'));

function cli(args: string[], timeoutMs = 20 * 60_000) {
  return run(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, HARDENLAB_HOME: labTestContext().home }, timeoutMs });
}
function json<T>(r: { code: number | null; stdout: string; stderr: string }): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout.slice(0, 500)}\n${r.stderr.slice(-3000)}`);
  }
}
const permitRootLogin = async () => (await labExecOk(['sudo', 'sshd', '-T'])).match(/^permitrootlogin (\S+)$/m)?.[1];
const userns = async () => (await labExecOk(['cat', '/proc/sys/kernel/unprivileged_userns_clone'])).trim();

const state: { baseline?: string; kspp?: ApplyResultShape; guide?: ApplyResultShape } = {};

describe('policies and trials on the real lab VM', () => {
  afterAll(async () => {
    const home = labTestContext().home;
    await new CanaryStore(home).forget('lab');
    await new PolicyStore(home, ALL_STEPS).remove('my-kspp');
  });

  it('refuses a policy with a hostile or unknown setting, saves nothing; export then import gives the same policy', async () => {
    const bad = [
      [{ name: 'evil', version: 1, title: 'x', source: { name: 'x' }, steps: [{ step: 'sysctl', settings: [{ id: 'kernel.kptr_restrict;reboot' }] }] }, /not a valid setting name/],
      [{ name: 'evil', version: 1, title: 'x', source: { name: 'x' }, steps: [{ step: 'sysctl', settings: [{ id: 'kernel.made_up_key' }] }] }, /"kernel\.made_up_key" is not a sysctl setting of this step/],
      [{ name: 'evil', version: 1, title: 'x', source: { name: 'x' }, steps: [{ step: 'firewall' }] }, /there is no step "firewall"/],
      [{ name: 'evil', version: 1, title: 'x', source: { name: 'x' }, steps: [{ step: 'modules', settings: [{ id: 'overlay' }] }] }, /"overlay" is a module containers need/],
      [{ name: '../evil', version: 1, title: 'x', source: { name: 'x' }, steps: [{ step: 'ssh' }] }, /not a valid policy name/],
    ] as const;
    for (const [policy, message] of bad) {
      const file = join(files, 'bad.json');
      writeFileSync(file, JSON.stringify(policy));
      const r = await cli(['policy', 'import', file]);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const names = json<{ policies: Array<{ policy: { name: string }; builtIn: boolean }> }>(await cli(['policy', 'list', '--json'])).policies.map((p) => p.policy.name);
    expect(names).toEqual(['guide', 'kspp', 'devsec', 'cis-l1']);

    // Tailoring as a file: KSPP's YAML under a name of its own, one setting switched off.
    const exported = await cli(['policy', 'export', 'kspp']);
    expect(exported.code, exported.stderr).toBe(0);
    const mine = parseYaml(exported.stdout) as { name: string; basedOn?: unknown; steps: Array<{ step: string; settings?: Array<{ id: string; enabled: boolean }> }> };
    mine.name = 'my-kspp';
    mine.basedOn = { name: 'kspp', version: 1 };
    mine.steps[0]!.settings!.find((s) => s.id === 'kernel.sysrq')!.enabled = false;
    const file = join(files, 'my-kspp.yaml');
    const { stringify } = await import('yaml');
    writeFileSync(file, stringify(mine));
    const saved = await cli(['policy', 'import', file]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toMatch(/Saved the policy "my-kspp" v1/);
    const again = await cli(['policy', 'export', 'my-kspp', '--format', 'json', '--output', join(files, 'round.json')]);
    expect(again.code, again.stderr).toBe(0);
    const reimport = await cli(['policy', 'import', join(files, 'round.json'), '--json']);
    expect(json<{ changed: boolean; policy: unknown }>(reimport)).toMatchObject({ changed: false, policy: { name: 'my-kspp', version: 1, basedOn: { name: 'kspp', version: 1 } } });
    const show = await cli(['policy', 'show', 'my-kspp']);
    expect(show.stdout).toMatch(/- kernel\.sysrq +\[kernel-hardening-checker sysctl kernel\.sysrq \(cut_attack_surface\)\]/);
  });

  it('a KSPP trial that breaks a user-namespace tool is reverted, and --bisect names that one setting', async () => {
    // A rootless tool as the lab user: it needs unprivileged user namespaces, which KSPP turns off.
    const add = await cli(['canary', 'add', 'rootless-tool', '--profile', 'lab', '--', 'unshare', '--user', '--map-root-user', 'true']);
    expect(add.code, add.stderr).toBe(0);
    expect(await userns()).toBe('1');

    const r = await cli(['trial', 'kspp', '--profile', 'lab', '--yes', '--without', 'modules', '--bisect', '--json']);
    expect(r.code, r.stderr.slice(-3000)).toBe(1);
    const { result, bisection } = json<{ result: ApplyResultShape; bisection: BisectionShape }>(r);
    expect(result.outcome).toBe('reverted');
    expect(result.canaries?.find((c) => c.name === 'rootless-tool')?.verdict).toBe('broke');
    expect(result.trial?.steps).toEqual(['sysctl']);
    const n = bisection.units.length;
    expect(n).toBeGreaterThanOrEqual(16);
    expect(bisection).toMatchObject({ outcome: 'found', combination: false, culprit: ['sysctl:kernel.unprivileged_userns_clone'] });
    expect(bisection.rounds.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)) + 2);
    expect(bisection.rounds.at(-1)).toMatchObject({ tried: ['sysctl:kernel.unprivileged_userns_clone'], outcome: 'broke' });
    expect(bisection.suggestion.without).toEqual(['modules', 'sysctl:kernel.unprivileged_userns_clone']);
    // Every round started from the baseline, and the VM is back there.
    expect(await userns()).toBe('1');
    state.baseline = result.trial!.baseline!.name;

    const without = await cli(['trial', 'kspp', '--profile', 'lab', '--yes', '--from', state.baseline, ...bisection.suggestion.without.flatMap((u) => ['--without', u]), '--json']);
    expect(without.code, without.stderr.slice(-3000)).toBe(0);
    state.kspp = json<ApplyResultShape>(without);
    expect(state.kspp.outcome).toBe('verified');
    expect(state.kspp.trial?.baseline?.name).toBe(state.baseline);
    expect(state.kspp.trial?.resultSnapshot?.name).toMatch(/^trial-kspp-/);
    expect((await labExecOk(['cat', '/proc/sys/kernel/kptr_restrict'])).trim()).toBe('2');
    expect(await userns()).toBe('1');
  });

  it('the guide (without the kernel upgrade) from the same baseline ends verified; re-planning finds nothing to do; the audit equals the trial', async () => {
    const r = await cli(['trial', 'guide', '--profile', 'lab', '--yes', '--from', state.baseline!, '--without', 'kernel', '--json']);
    core().services.connections.forget('lab');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const result = (state.guide = json<ApplyResultShape>(r));
    expect(result.outcome).toBe('verified');
    expect(result.trial?.steps).toEqual(['ssh', 'root-account', 'containers', 'modules', 'sysctl']);
    // Every step's checks, each under its step.
    expect(new Set(result.checks.map((c) => c.step))).toEqual(new Set(['ssh', 'root-account', 'modules', 'sysctl', undefined]));
    expect(result.checks.every((c) => c.ok)).toBe(true);
    expect(await permitRootLogin()).toBe('no');

    const again = await cli(['trial', 'guide', '--profile', 'lab', '--preview', '--without', 'kernel', '--json']);
    const { plan } = json<{ plan: TrialPlanShape }>(again);
    expect(plan.parts.filter((p) => !p.nothingToDo).map((p) => `${p.step}: ${p.summary}`)).toEqual([]);
    expect(plan.nothingToDo).toBe(true);

    const audit = json<{ score: unknown }>(await cli(['audit', '--profile', 'lab', '--json']));
    expect(audit.score).toEqual(result.trial?.auditAfter?.score);
  });

  it('compares the two trials from one baseline, and switches the VM between their results', async () => {
    const { kspp, guide } = state;
    const r = await cli(['trial', 'compare', kspp!.experimentId, guide!.experimentId, '--profile', 'lab', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const c = json<TrialComparisonShape>(r);
    expect(c.baseline.name).toBe(state.baseline);
    expect(c.trials.map((t) => t.policy.name)).toEqual(['kspp', 'guide']);
    for (const t of c.trials) expect(t.scoreAfter?.total).toBeGreaterThan(0);
    expect(c.trials[1]!.scoreAfter!.passed).toBeGreaterThan(c.trials[0]!.scoreAfter!.passed);
    const setting = (u: string) => c.settings.find((s) => s.unit === u)?.in;
    expect(setting('ssh:ssh.root-login')).toEqual([false, true]);
    expect(setting('root-account')).toEqual([false, true]);
    expect(c.checks.find((x) => x.id === 'ssh.root-login')?.status).toEqual(['fail', 'pass']);
    expect(c.canaries.find((x) => x.name === 'rootless-tool')?.verdicts).toEqual(['held', 'held']);
    expect(c.files.find((f) => f.path === '/etc/sysctl.d/99-zz-hardenlab.conf')?.state).toBe('differs');

    const md = await cli(['trial', 'compare', kspp!.experimentId, guide!.experimentId, '--profile', 'lab', '--format', 'markdown']);
    expect(md.stdout).toMatch(/\| Audit after \| \d+\/\d+ \(\d+%\) \| \d+\/\d+ \(\d+%\) \|/);
    expect(md.stdout).toMatch(/\| ssh:ssh\.root-login \| - \| applied \|/);

    // The trial's proven changes leave the lab as a whole: one playbook with every step's files.
    const playbook = join(files, 'guide.yml');
    const exported = await cli(['export', 'ansible', '--profile', 'lab', '--experiment', guide!.experimentId, '--output', playbook]);
    expect(exported.code, exported.stderr).toBe(0);
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(playbook, 'utf8');
    expect(text).toContain('/etc/ssh/sshd_config.d/00-hardenlab.conf');
    expect(text).toContain('/etc/sysctl.d/99-zz-hardenlab.conf');
    const syntax = await run('ansible-playbook', ['--syntax-check', '-i', 'localhost,', playbook], { timeoutMs: 120_000 });
    expect(syntax.code, syntax.stderr + syntax.stdout).toBe(0);

    const { engine } = core().services;
    await engine.restoreSnapshot('lab', kspp!.trial!.resultSnapshot!.name);
    expect(await permitRootLogin()).not.toBe('no');
    expect((await labExecOk(['cat', '/proc/sys/kernel/kptr_restrict'])).trim()).toBe('2');
    await engine.restoreSnapshot('lab', guide!.trial!.resultSnapshot!.name);
    expect(await permitRootLogin()).toBe('no');
  });
});
