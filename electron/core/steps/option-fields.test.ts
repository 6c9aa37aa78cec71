import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { optionFieldsFrom } from './option-fields';
import { ALL_STEPS } from './registry';

describe('option fields derived from the schema', () => {
  const schema = z
    .object({
      on: z.boolean().default(true),
      names: z.array(z.string()).max(3).default([]),
      mode: z.enum(['no', 'key']).default('no'),
      path: z.string().optional(),
      pairs: z.union([z.record(z.string(), z.string()), z.array(z.string())]).default({}).transform((x) => x),
    })
    .strict();

  it('takes kinds, defaults and allowed values from the schema, words from beside it', () => {
    expect(
      optionFieldsFrom(schema, {
        on: { label: 'On', help: 'h' },
        names: { label: 'Names' },
        mode: { label: 'Mode', choices: { no: 'Never' } },
        path: { label: 'Path' },
        pairs: { label: 'Pairs', as: 'string-list' },
      }),
    ).toEqual([
      { name: 'on', label: 'On', help: 'h', type: 'boolean', default: true },
      { name: 'names', label: 'Names', type: 'string-list', default: [] },
      { name: 'mode', label: 'Mode', type: 'enum', default: 'no', choices: [{ value: 'no', label: 'Never' }, { value: 'key', label: 'key' }] },
      { name: 'path', label: 'Path', type: 'string' },
      { name: 'pairs', label: 'Pairs', type: 'string-list', default: [] },
    ]);
  });

  it('refuses an option without words, words without an option, and a form it cannot edit', () => {
    const small = z.object({ a: z.boolean().default(false) });
    expect(() => optionFieldsFrom(small, {} as never)).toThrow('"a" has no label');
    expect(() => optionFieldsFrom(small, { a: { label: 'A' }, b: { label: 'B' } } as never)).toThrow('Option text for b');
    expect(() => optionFieldsFrom(z.object({ n: z.number().default(1) }), { n: { label: 'N' } })).toThrow('cannot edit');
  });

  it('gives every step a field for each option, with a default its own schema accepts', () => {
    for (const step of ALL_STEPS) {
      const fields = step.optionFields ?? [];
      const shape = (step.options as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      expect(fields.map((f) => f.name).sort(), step.id).toEqual(Object.keys(shape).sort());
      for (const f of fields) {
        if (f.default === undefined) continue;
        expect(step.options.safeParse({ [f.name]: f.default }).success, `${step.id}.${f.name}`).toBe(true);
        for (const c of f.choices ?? []) expect(step.options.safeParse({ [f.name]: c.value }).success, `${step.id}.${f.name}=${c.value}`).toBe(true);
      }
    }
  });
});
