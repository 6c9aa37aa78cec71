import type { StepInfo } from '../../shared/domain';
import { UsageError } from './io';

type Field = StepInfo['options'][number];

function describeField(f: Field): string {
  const kind = f.type === 'enum' ? (f.choices ?? []).map((c) => c.value).join('|') : f.type === 'string-list' ? 'list' : f.type;
  return `${f.name} (${kind}${f.default !== undefined ? `, default ${JSON.stringify(f.default)}` : ''})`;
}

export function describeOptions(step: StepInfo): string {
  return step.options.length ? step.options.map(describeField).join(', ') : 'none';
}

const TRUE = new Set(['true', 'yes', '1', 'on']);
const FALSE = new Set(['false', 'no', '0', 'off']);

/**
 * `--set KEY=VALUE` words into a step's options, checked against the
 * option fields the core derives from the step's schema: an unknown key or
 * a value of the wrong kind stops the command before anything is sent.
 * A list takes commas and repeated --set; the core's schema still decides.
 */
export function parseStepSets(step: StepInfo, sets: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set needs KEY=VALUE, got ${JSON.stringify(set)}. Options of ${step.id}: ${describeOptions(step)}.`);
    const key = set.slice(0, eq).trim();
    const raw = set.slice(eq + 1).trim();
    const field = step.options.find((f) => f.name === key);
    if (!field) throw new UsageError(`The step ${step.id} has no option "${key}". Its options: ${describeOptions(step)}.`);
    switch (field.type) {
      case 'boolean': {
        const v = raw.toLowerCase();
        if (!TRUE.has(v) && !FALSE.has(v)) throw new UsageError(`${key} is true or false (yes/no, 1/0), not ${JSON.stringify(raw)}.`);
        out[key] = TRUE.has(v);
        break;
      }
      case 'enum': {
        const allowed = (field.choices ?? []).map((c) => c.value);
        if (!allowed.includes(raw)) throw new UsageError(`${key} is one of ${allowed.join(', ')}, not ${JSON.stringify(raw)}.`);
        out[key] = raw;
        break;
      }
      case 'string-list': {
        const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
        out[key] = [...((out[key] as string[] | undefined) ?? []), ...items];
        break;
      }
      default:
        if (!raw) throw new UsageError(`${key} needs a value.`);
        out[key] = raw;
    }
  }
  return out;
}
