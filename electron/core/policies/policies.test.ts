import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_STEPS } from '../steps/registry';
import { BUILTIN_POLICIES } from './builtin';
import { checkUnits, describePolicy, resolvePolicy, validatePolicy } from './resolve';
import { parsePolicyText, policyText, PolicyStore } from './store';

const kspp = () => validatePolicy(BUILTIN_POLICIES.find((p) => p.name === 'kspp'), ALL_STEPS);

describe('policies', () => {
  it.each(BUILTIN_POLICIES.map((p) => [p.name, p] as const))('the built-in %s is valid against the steps, every setting known and tagged with its rule', (_n, p) => {
    const policy = validatePolicy(p, ALL_STEPS);
    const d = describePolicy(policy, ALL_STEPS, true);
    for (const s of d.steps) for (const x of s.settings) {
      expect(x.rule, x.id).toBeTruthy();
      expect(x.why, x.id).not.toBe('');
    }
    expect(d.units.length).toBeGreaterThan(0);
  });

  it('resolves the enabled settings into the options of each step, and leaves out what is asked', () => {
    const { parts, skipped } = resolvePolicy(kspp(), ALL_STEPS, { without: ['modules', 'sysctl:kernel.sysrq'] });
    expect(parts.map((p) => p.step.id)).toEqual(['sysctl']);
    const keys = (parts[0]!.options as { keys: string[] }).keys;
    expect(keys).toContain('kernel.unprivileged_userns_clone');
    expect(keys).not.toContain('kernel.sysrq');
    expect(skipped).toEqual([
      { step: 'sysctl', reason: 'settings left out: kernel.sysrq' },
      { step: 'modules', reason: 'left out of this trial' },
      { step: 'lsm', reason: 'read-only: it is in the audit, not in what the trial changes' },
    ]);
    const only = resolvePolicy(kspp(), ALL_STEPS, { only: new Map([['sysctl', ['kernel.kptr_restrict']]]) });
    expect(only.parts.map((p) => [p.step.id, (p.options as { keys: string[] }).keys])).toEqual([['sysctl', ['kernel.kptr_restrict']]]);
  });

  it('the ssh settings of a policy turn "stronger" on only when one of them needs it', () => {
    const devsec = validatePolicy(BUILTIN_POLICIES.find((p) => p.name === 'devsec'), ALL_STEPS);
    const ssh = resolvePolicy(devsec, ALL_STEPS).parts.find((p) => p.step.id === 'ssh')!;
    expect(ssh.options).toMatchObject({ stronger: true, settings: expect.arrayContaining(['ssh.agent-forwarding', 'ssh.root-login']) });
    const plain = resolvePolicy(devsec, ALL_STEPS, { only: new Map([['ssh', ['ssh.root-login']]]) }).parts[0]!;
    expect(plain.options).toMatchObject({ stronger: false, settings: ['ssh.root-login'] });
  });

  it('says everything wrong with a policy at once', () => {
    const bad = { name: 'x', version: 1, title: 't', source: { name: 's' }, steps: [{ step: 'sysctl', settings: [{ id: 'fs.nope' }, { id: 'fs.nope' }] }, { step: 'root-account', settings: [{ id: 'a' }] }, { step: 'ssh', options: { rootLogin: 'yes' } }, { step: 'ssh' }] };
    expect(() => validatePolicy(bad, ALL_STEPS)).toThrow(/"fs\.nope" is not a sysctl setting.*appears twice.*root-account\): this step has no settings.*rootLogin.*the step appears twice/);
    expect(() => validatePolicy({ ...bad, extra: 1 }, ALL_STEPS)).toThrow(/Unrecognized key/);
    expect(() => checkUnits(['sysctl:kernel.kptr_restrict', 'ssh'], kspp(), ALL_STEPS)).toThrow(/--without ssh: the policy "kspp" has no step "ssh"/);
    expect(() => checkUnits(['sysctl:bogus.key'], kspp(), ALL_STEPS)).toThrow(/is not a sysctl setting/);
  });

  it('reads JSON and YAML, and refuses what is neither', () => {
    const p = kspp();
    expect(validatePolicy(parsePolicyText(policyText(p, 'yaml')), ALL_STEPS)).toEqual(p);
    expect(validatePolicy(parsePolicyText(policyText(p, 'json')), ALL_STEPS)).toEqual(p);
    expect(() => parsePolicyText('{ nope')).toThrow(/neither valid JSON nor valid YAML/);
    // A billion laughs is stopped by the alias limit.
    const laughs = 'a: &a [x,x,x,x,x,x,x,x,x,x]\n' + Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n');
    expect(() => parsePolicyText(laughs)).toThrow();
  });

  it('keeps built-ins read-only, saves the same content once, and raises the version of new content', async () => {
    const store = new PolicyStore(mkdtempSync(join(tmpdir(), 'hl-pol-')), ALL_STEPS);
    await expect(store.save(BUILTIN_POLICIES[0])).rejects.toThrow(/built-in policy and cannot be replaced/);
    const mine = { ...kspp(), name: 'mine' };
    expect(await store.save(mine)).toMatchObject({ changed: true, policy: { version: 1 } });
    expect(await store.save(mine)).toMatchObject({ changed: false });
    const tailored = { ...mine, title: 'Mine, tailored' };
    await expect(store.save(tailored)).rejects.toThrow(/already exists/);
    expect(await store.save(tailored, { replace: true })).toMatchObject({ changed: true, policy: { version: 2 } });
    expect((await store.list()).map((x) => [x.policy.name, x.builtIn])).toEqual([['guide', true], ['kspp', true], ['devsec', true], ['cis-l1', true], ['mine', false]]);
    expect(await store.remove('mine')).toBe(true);
    await expect(store.get('mine')).rejects.toThrow(/There is no policy "mine"/);
  });
});
