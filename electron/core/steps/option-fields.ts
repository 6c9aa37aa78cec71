import type { z } from 'zod';
import type { StepOptionField } from '../../../shared/domain';

/**
 * A step's option fields for the UI and `hardenlab steps`, derived from its
 * zod schema: the names, kinds, defaults and allowed values come from the
 * schema that also validates, so the form can never offer an option, a
 * default or a choice the step would refuse. Only the words (label, help,
 * the label of each choice) are written beside it, and every option must
 * have them.
 */
export interface OptionText {
  label: string;
  help?: string;
  /** Labels of an enum's values; a value without one shows as itself. */
  choices?: Record<string, string>;
  /** For an option whose schema takes more than one form (an object or a list): the form the UI edits. */
  as?: StepOptionField['type'];
}

type Def = { type: string; innerType?: ZodLike; in?: ZodLike; defaultValue?: unknown; entries?: Record<string, string> };
type ZodLike = { _zod: { def: Def } };

function kindOf(schema: ZodLike): { type?: StepOptionField['type']; default?: unknown; choices?: string[] } {
  const def = schema._zod.def;
  switch (def.type) {
    case 'default': {
      const inner = kindOf(def.innerType!);
      return { ...inner, default: def.defaultValue };
    }
    case 'optional':
    case 'nullable':
      return kindOf(def.innerType!);
    case 'pipe':
      return kindOf(def.in!);
    case 'boolean':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string' };
    case 'array':
      return { type: 'string-list' };
    case 'enum':
      return { type: 'enum', choices: Object.values(def.entries ?? {}) };
    default:
      return {};
  }
}

export function optionFieldsFrom<S extends z.ZodObject>(schema: S, text: { [K in keyof z.infer<S>]-?: OptionText }): StepOptionField[] {
  const shape = schema.shape as Record<string, ZodLike>;
  const described = new Set(Object.keys(text));
  const extra = [...described].filter((k) => !(k in shape));
  if (extra.length > 0) throw new Error(`Option text for ${extra.join(', ')}, which the schema does not have.`);
  return Object.entries(shape).map(([name, field]) => {
    const t = (text as Record<string, OptionText>)[name];
    if (!t) throw new Error(`The option "${name}" has no label.`);
    const k = kindOf(field);
    const type = t.as ?? k.type;
    if (!type) throw new Error(`The option "${name}" has a schema the UI cannot edit; say which form it takes (as).`);
    const dflt = type === 'string-list' && k.default !== undefined && !Array.isArray(k.default) ? [] : k.default;
    return {
      name,
      label: t.label,
      ...(t.help ? { help: t.help } : {}),
      type,
      ...(dflt !== undefined ? { default: dflt as StepOptionField['default'] } : {}),
      ...(k.choices ? { choices: k.choices.map((value) => ({ value, label: t.choices?.[value] ?? value })) } : {}),
    };
  });
}
