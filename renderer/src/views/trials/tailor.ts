import type { PolicyDetail, PolicyInput } from '../../../../shared/policy';

/**
 * A policy tailored from another: the same steps and options, with the units
 * left out switched off (kept in the file, so the tailoring stays visible),
 * version 1 under its new name and pointing back to where it came from.
 * The core checks the result like any imported policy.
 */
export function tailoredPolicy(detail: Pick<PolicyDetail, 'policy'>, name: string, without: readonly string[]): PolicyInput {
  const out = new Set(without);
  const { policy } = detail;
  return {
    ...policy,
    name,
    version: 1,
    title: policy.title.endsWith('(tailored)') ? policy.title : `${policy.title} (tailored)`.slice(0, 120),
    basedOn: { name: policy.name, version: policy.version },
    steps: policy.steps.map((st) => ({
      ...st,
      enabled: st.enabled && !out.has(st.step),
      ...(st.settings ? { settings: st.settings.map((x) => ({ ...x, enabled: x.enabled && !out.has(`${st.step}:${x.id}`) })) } : {}),
    })),
  };
}
