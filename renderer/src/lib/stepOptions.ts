import type { StepOptionField } from '../../../shared/domain';

/**
 * Step options as a form. Each step describes its options in StepInfo.options
 * (label, help, type, default, choices); the value shown is the one the user
 * set, else the one the last plan echoed (the step's own defaults filled in),
 * else the described default. Items unticked from a list disappear from the
 * next plan's echo, so the checklist remembers every item it has seen.
 */
export type OptionView =
  | { key: string; label: string; help?: string; kind: 'boolean'; value: boolean }
  | { key: string; label: string; help?: string; kind: 'enum'; value: string; choices: Array<{ value: string; label: string }> }
  | { key: string; label: string; help?: string; kind: 'string'; value: string }
  | { key: string; label: string; help?: string; kind: 'list'; value: string[]; items: string[] };

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function pick(field: StepOptionField, current: Record<string, unknown> | null | undefined, echoed: Record<string, unknown> | null | undefined): unknown {
  if (current && field.name in current) return current[field.name];
  if (echoed && field.name in echoed) return echoed[field.name];
  return field.default;
}

export function optionViews(
  fields: readonly StepOptionField[],
  current: Record<string, unknown> | null | undefined,
  echoed: Record<string, unknown> | null | undefined,
  knownItems: Record<string, string[]> = {},
): OptionView[] {
  return fields.map((f): OptionView => {
    const v = pick(f, current, echoed);
    const base = { key: f.name, label: f.label, ...(f.help ? { help: f.help } : {}) };
    switch (f.type) {
      case 'boolean':
        return { ...base, kind: 'boolean', value: v === true };
      case 'enum': {
        const choices = f.choices ?? [];
        return { ...base, kind: 'enum', value: typeof v === 'string' ? v : (choices[0]?.value ?? ''), choices };
      }
      case 'string-list': {
        const value = isStringList(v) ? v : [];
        return { ...base, kind: 'list', value, items: mergeItems(knownItems[f.name] ?? [], value) };
      }
      default:
        return { ...base, kind: 'string', value: typeof v === 'string' ? v : '' };
    }
  });
}

/** Names typed into a list field: separated by commas, spaces or new lines, duplicates dropped. */
export function parseListText(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

export function mergeItems(known: readonly string[], current: readonly string[]): string[] {
  const out = [...known];
  for (const item of current) if (!out.includes(item)) out.push(item);
  return out;
}

/** Every list item ever seen per option key, updated from a newly echoed options object. */
export function rememberListItems(known: Record<string, string[]>, options: Record<string, unknown> | null | undefined): Record<string, string[]> {
  if (!options) return known;
  const next = { ...known };
  for (const [key, value] of Object.entries(options)) if (isStringList(value)) next[key] = mergeItems(next[key] ?? [], value);
  return next;
}

export function toggleListItem(list: readonly string[], item: string, on: boolean, order: readonly string[]): string[] {
  const set = new Set(list);
  if (on) set.add(item);
  else set.delete(item);
  // Keep the order the step gave, so re-plans compare cleanly.
  return order.filter((x) => set.has(x));
}

/** Whether the options now set differ from those the shown plan was made with (only the described fields count). */
export function optionsDiffer(fields: readonly StepOptionField[], current: Record<string, unknown> | null | undefined, echoed: Record<string, unknown> | null | undefined): boolean {
  if (!current) return false;
  return fields.some((f) => f.name in current && JSON.stringify(current[f.name]) !== JSON.stringify(pick(f, null, echoed)));
}
