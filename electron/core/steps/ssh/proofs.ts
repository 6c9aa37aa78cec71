import type { Proof } from '../../../../shared/domain';
import { settingFor, settingsFor, valueOf, wanted, type SshOptions } from './settings';
import { canonicalKey, valueSpellings, type DesiredSetting } from './sshd-config';

export const SSHD = '/usr/sbin/sshd';

/**
 * What `sshd -T` must show once the plan holds, line by line, under the same
 * rule verify and the audit use (settings.ts `holds`): the option's value in
 * any spelling sshd prints, or for an "at most" setting any value from 1 up
 * to it; a line the plan only keeps or writes verbatim, that very value.
 */
export function sshdProofs(desired: ReadonlyArray<Pick<DesiredSetting, 'keyword' | 'value'>>, options: SshOptions): Proof[] {
  return desired.map((d) => {
    const key = canonicalKey(d.keyword);
    const s = settingFor(d.keyword);
    const ruled = s !== undefined && settingsFor(options).includes(s) ? s : undefined;
    const name = `sshd -T: ${key} ${ruled ? wanted(ruled, options) : d.value}`;
    if (ruled?.atMost) return { name, argv: [SSHD, '-T'], elevated: true, expect: { kind: 'range', prefix: `${key} `, min: 1, max: Number(valueOf(ruled, options)) } };
    const values = valueSpellings(d.keyword, ruled ? valueOf(ruled, options) : d.value);
    return { name, argv: [SSHD, '-T'], elevated: true, expect: { kind: 'line', anyOf: values.map((v) => `${key} ${v}`) } };
  });
}
