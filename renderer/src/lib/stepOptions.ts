/**
 * Step options are a plain object passed through to steps.plan. The steps
 * list does not describe them, but every plan echoes the options it used
 * (with defaults filled in), so the form is built from the last plan:
 * booleans become checkboxes, numbers and strings inputs, and lists of
 * strings a checklist. Items unticked from a list disappear from the next
 * plan's echo, so the checklist remembers every item it has seen.
 */
export type OptionField =
  | { key: string; label: string; kind: 'boolean'; value: boolean }
  | { key: string; label: string; kind: 'number'; value: number }
  | { key: string; label: string; kind: 'string'; value: string }
  | { key: string; label: string; kind: 'list'; value: string[]; items: string[] };

/** Labels for option names we know; anything else is humanised from its key. */
const KNOWN_LABELS: Record<string, string> = {
  stronger: 'Stronger settings',
  strong: 'Stronger settings',
  strict: 'Stronger settings',
  strongerSettings: 'Stronger settings',
  modules: 'Kernel modules',
  disable: 'Modules to disable',
  blacklist: 'Modules to block',
  keep: 'Modules to keep',
  benchmark: 'Run docker-bench-security',
  scan: 'Run the container security scan',
  dockerBench: 'Run docker-bench-security',
};

export function humanizeKey(key: string): string {
  if (KNOWN_LABELS[key]) return KNOWN_LABELS[key];
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function optionFields(options: Record<string, unknown> | null | undefined, knownItems: Record<string, string[]> = {}): OptionField[] {
  if (!options) return [];
  const out: OptionField[] = [];
  for (const [key, value] of Object.entries(options)) {
    const label = humanizeKey(key);
    if (typeof value === 'boolean') out.push({ key, label, kind: 'boolean', value });
    else if (typeof value === 'number' && Number.isFinite(value)) out.push({ key, label, kind: 'number', value });
    else if (typeof value === 'string') out.push({ key, label, kind: 'string', value });
    else if (isStringList(value)) out.push({ key, label, kind: 'list', value, items: mergeItems(knownItems[key] ?? [], value) });
    // Nested objects are passed through untouched; there is no obvious form for them.
  }
  return out;
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

export function optionsEqual(a: Record<string, unknown> | null | undefined, b: Record<string, unknown> | null | undefined): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}
