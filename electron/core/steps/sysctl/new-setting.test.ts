import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Profile } from '../../../../shared/profile';
import { adapterFor } from '../../distro/detect';
import type { StepContext } from '../../engine/step';
import type { Target } from '../../engine/target';
import { withFreshFacts } from '../../facts/testing';
import type * as Catalog from './catalog';
import type { SysctlSetting } from './catalog';
import { sysctlFactsFrom } from './probe';
import { sysctlStep } from './step';
import { debian12SysctlFiles, recordedSysctlAnswers } from './testing/recorded';

/**
 * A new sysctl setting is one line in catalog.ts: this test adds a made-up
 * one to the catalog (and nowhere else) and finds its audit check, its plan
 * line with its reason, and its verify check, all derived from that line.
 */
const MADE_UP: SysctlSetting = { key: 'kernel.hardenlab_made_up', value: '1', why: 'A made-up setting: proves one catalog line is enough.' };

vi.mock('./catalog', async (original) => {
  const real = await original<typeof Catalog>();
  const all = [...real.ALL_SETTINGS, { key: 'kernel.hardenlab_made_up', value: '1', why: 'A made-up setting: proves one catalog line is enough.' }];
  return { ...real, ALL_SETTINGS: all, settingFor: (key: string) => all.find((s) => s.key === key) };
});

const debian = adapterFor(readFileSync(join(__dirname, '..', '..', 'distro', 'fixtures', 'debian-12-os-release'), 'utf8'));
const PATH = '/etc/sysctl.d/99-zz-hardenlab.conf';
const PROFILE = { name: 'lab', host: 'lab.test', port: 22, user: 'lab', auth: { kind: 'key', keyPath: '/k' }, hypervisor: { kind: 'qemu', vm: 'lab' } } as unknown as Profile;

describe('a sysctl setting is one line of data', () => {
  it('gets its audit check, plan line and verify check from the catalog line alone', async () => {
    const answers = recordedSysctlAnswers();
    answers.all = { code: 0, stdout: `${answers.all!.stdout}${MADE_UP.key} = 0\n` };
    const facts = sysctlFactsFrom(answers, debian12SysctlFiles(), PATH);

    const check = sysctlStep.audit(facts).find((c) => c.id === `sysctl.${MADE_UP.key}`);
    expect(check).toMatchObject({ status: 'fail', title: `${MADE_UP.key} = 1`, evidence: `sysctl ${MADE_UP.key} = 0 (wanted 1)` });

    // The live kernel and the file system after the plan's apply, as verify reads them.
    const files = new Map<string, string>();
    const live = new Map(Object.entries(facts.values));
    const target = {
      profile: PROFILE,
      readFile: async (p: string) => files.get(p) ?? null,
      probe: async (commands: Record<string, readonly string[]>) =>
        Object.fromEntries(Object.entries(commands).map(([k, argv]) => [k, live.has(argv[2]!) ? { code: 0, stdout: `${live.get(argv[2]!)}\n` } : { code: 255, stdout: '' }])),
    } as unknown as Target;
    const ctx: StepContext = withFreshFacts({ profile: PROFILE, target, distro: debian, signal: new AbortController().signal, log: () => undefined, freshLogin: async () => ({ ok: true, evidence: '' }), reboot: async () => target });

    const plan = await sysctlStep.plan(facts, sysctlStep.options.parse({}), ctx);
    expect(plan.files[0]!.after).toContain(`# ${MADE_UP.why}\n${MADE_UP.key} = 1\n`);
    expect(plan.data!.expected[MADE_UP.key]).toBe('1');

    files.set(PATH, plan.files[0]!.after!);
    const failing = (await sysctlStep.verify(plan, ctx)).filter((c) => c.name === `${MADE_UP.key} = 1`);
    expect(failing).toEqual([{ name: `${MADE_UP.key} = 1`, ok: false, evidence: `sysctl -n ${MADE_UP.key}: 0 (wanted: prints 1)` }]);

    for (const [k, v] of Object.entries(plan.data!.expected)) live.set(k, v);
    const checks = await sysctlStep.verify(plan, ctx);
    expect(checks.find((c) => c.name === `${MADE_UP.key} = 1`)).toEqual({ name: `${MADE_UP.key} = 1`, ok: true, evidence: `sysctl -n ${MADE_UP.key}: 1` });
    expect(checks.every((c) => c.ok)).toBe(true);
  });
});
