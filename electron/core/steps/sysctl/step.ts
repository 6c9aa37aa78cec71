import { z } from 'zod';
import { explainInvalidName } from '../../../../shared/names';
import type { AuditCheckDraft, StepDefinition, VerifyCheck } from '../../engine/step';
import { ALL_SETTINGS, settingFor } from './catalog';
import { desiredValue, planSysctl, satisfied, type SysctlData, type SysctlFacts, type SysctlOptions } from './plan';
import { probeSysctl, readSysctls, SYSCTL_FACTS, sysctlState } from './probe';
import { optionFieldsFrom } from '../option-fields';
import { explainSysctlLoss, lookUpBootSetters, lostKeys } from './reboot-loss';
import { systemdInit } from '../../facts/common';
import type { Proof } from '../../../../shared/domain';
import { judgeProof } from '../../proofs/judge';

/** `sysctl -n KEY` prints the value the plan wrote: what verify and every fleet host check. */
function sysctlProofs(d: SysctlData): Proof[] {
  return Object.entries(d.expected).map(([key, want]) => ({ name: `${key} = ${want}`, argv: ['sysctl', '-n', key], elevated: true, expect: { kind: 'equals', value: want } }));
}

/**
 * Kernel hardening sysctls: one file in sysctl.d named to be read last, a
 * comment on every line, applied now with `sysctl -p`, proved with
 * `sysctl -n` for every key. The decisions are in plan.ts.
 */

// NAME_PATTERNS.sysctlKey (shared/names.ts) first: a key is written into a file and read back with sysctl -n.
const sysctlKey = z.string().superRefine((v, ctx) => {
  const bad = explainInvalidName('sysctlKey', v);
  if (bad) ctx.addIssue({ code: 'custom', message: bad });
});
// Numbers only: a value ends up on a line of a root-owned file, so nothing that could start another line or a command.
const VALUE = /^-?\d{1,20}(?:[ \t]+-?\d{1,20}){0,7}$/;
const VALUE_RULE = 'whole numbers, several separated by spaces (as in "4 4 1 7")';

const extraSchema = z
  .union([z.record(z.string(), z.string()), z.array(z.string())])
  .default({})
  .transform((raw, ctx) => {
    // The UI sends "key=value" strings; the API and CLI may send an object.
    const pairs: Array<[string, string]> = Array.isArray(raw)
      ? raw.map((s) => {
          const eq = s.indexOf('=');
          return eq < 0 ? [s.trim(), ''] : [s.slice(0, eq).trim(), s.slice(eq + 1).trim()];
        })
      : Object.entries(raw);
    const out: Record<string, string> = {};
    for (const [key, value] of pairs) {
      const bad = explainInvalidName('sysctlKey', key);
      if (bad) ctx.addIssue({ code: 'custom', message: bad });
      else if (!VALUE.test(value.trim())) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a valid value for ${key}: use ${VALUE_RULE}.` });
      else out[key] = value.trim();
    }
    return out;
  });

export const sysctlOptions = z
  .object({
    keys: z.array(sysctlKey).max(100).default([]),
    extra: extraSchema,
    restrictUserNamespaces: z.boolean().default(false),
  })
  .strict();

export const sysctlStep: StepDefinition<SysctlFacts, SysctlOptions, SysctlData> = {
  id: 'sysctl',
  title: 'Kernel hardening sysctls',
  summary: 'Close what the kernel leaves open by default: leaked addresses, unprivileged BPF and ptrace, kexec, /tmp link tricks, ICMP redirects.',
  why: 'Every container shares the host kernel, so a kernel bug is a way out of every container. These settings take away the tools exploits lean on (kernel addresses, unprivileged BPF, userfaultfd, ptrace of other processes) and the network tricks an attacker next door uses (redirects, source routing, spoofed addresses). Settings Docker needs, such as IP forwarding, are left alone.',
  guideOrder: 70,
  readOnly: false,
  options: sysctlOptions,
  optionFields: optionFieldsFrom(sysctlOptions, {
    keys: { label: 'Only these settings', help: `Leave empty for all that apply. Known: ${ALL_SETTINGS.map((s) => s.key).join(', ')}.` },
    extra: { label: 'Other keys', help: 'key=value, e.g. kernel.panic_on_oops=1 (whole numbers only; the key must exist on the VM).', as: 'string-list' },
    restrictUserNamespaces: { label: 'No user namespaces for unprivileged users', help: 'kernel.unprivileged_userns_clone = 0 (Debian). Breaks rootless Docker and Podman.' },
  }),
  settings: {
    known: ALL_SETTINGS.map((x) => ({ id: x.key, why: `${x.key} = ${x.value}: ${x.why}` })),
    explain: (id) => (settingFor(id) ? null : `"${id.slice(0, 80)}" is not a sysctl setting of this step (a policy names the step's own settings; other keys go in its "extra" option).`),
    select: (o, ids) => ({ ...o, keys: [...ids] }),
    planned: (draft) => Object.keys(draft.data?.expected ?? {}).filter((k) => settingFor(k)),
  },
  applyTimeoutMs: 2 * 60_000,
  // The values live in a sysctl.d file that systemd-sysctl reads at boot: the reboot proof is what shows they come back.
  proveRebootByDefault: true,

  facts: SYSCTL_FACTS,
  probe: (ctx) => probeSysctl(ctx.facts),

  plan: (facts, options, ctx) => planSysctl(facts, options, ctx.distro),

  async verify(draft, ctx): Promise<VerifyCheck[]> {
    const d = draft.data!;
    const checks: VerifyCheck[] = [];
    const planned = draft.files.find((f) => f.path === d.path);
    if (planned) {
      const now = await ctx.target.readFile(d.path, { elevate: true });
      checks.push({ name: `${d.path} is in place`, ok: now === planned.after, evidence: now === null ? 'the file is missing' : now === planned.after ? `${Object.keys(d.expected).length} settings` : 'the file differs from the plan' });
    }
    // The proofs the fleet export runs, judged here the same way (one round trip for every key).
    const live = await readSysctls(ctx.target, Object.keys(d.expected));
    for (const p of sysctlProofs(d)) {
      const r = live.get(p.argv[2]!);
      checks.push({ name: p.name, ...judgeProof(p, { code: r?.code ?? null, stdout: r?.stdout ?? '' }) });
    }
    return checks;
  },

  proofs: (draft) => sysctlProofs(draft.data!),

  async explainRebootLoss(lost, _draft, ctx) {
    const keys = lostKeys(lost);
    if (keys.length === 0) return [];
    const [state, systemd, boot] = await Promise.all([ctx.facts.get(sysctlState), ctx.facts.get(systemdInit), lookUpBootSetters(ctx.target, keys.map((k) => k.key))]);
    return explainSysctlLoss(keys, { files: state.files, systemd, ourPath: state.ourPath, values: state.values, ...boot });
  },

  audit(facts): AuditCheckDraft[] {
    const containers = facts.containers.installed.length + facts.containers.running.length > 0;
    return ALL_SETTINGS.filter((s) => !s.optIn).map((s) => {
      const id = `sysctl.${s.key}`;
      const want = desiredValue(s, facts);
      const title = `${s.key} = ${want}${s.atLeast ? ' or stronger' : ''}`;
      const current = facts.values[s.key];
      if (current === undefined) return { id, title, status: 'skip', evidence: `not on the kernel ${facts.kernelRelease}` };
      if (s.containerSensitive && containers) return { id, title, status: 'skip', evidence: `${s.key} = ${current}: left alone, containers need it` };
      const ok = satisfied(s, current, facts);
      return { id, title, status: ok ? 'pass' : 'fail', evidence: `sysctl ${s.key} = ${current}${ok ? '' : ` (wanted ${want})`}` };
    });
  },
};
