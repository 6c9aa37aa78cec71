import { describe, expect, it } from 'vitest';
import type { StepOptionField } from '../../../shared/domain';
import { optionViews, optionsDiffer, parseListText, rememberListItems, toggleListItem } from './stepOptions';

const FIELDS: StepOptionField[] = [
  { name: 'rootLogin', label: 'Root login', type: 'enum', default: 'no', choices: [{ value: 'no', label: 'Refused' }, { value: 'prohibit-password', label: 'Keys only' }] },
  { name: 'stronger', label: 'Stronger settings', help: 'Fewer auth tries.', type: 'boolean', default: false },
  { name: 'modules', label: 'Modules to block', type: 'string-list', default: [] },
  { name: 'benchPath', label: 'Script path', type: 'string' },
];

describe('step options', () => {
  it('describes each field from StepInfo with the default when nothing was set or echoed', () => {
    const views = optionViews(FIELDS, null, null);
    expect(views.map((v) => [v.key, v.kind, v.value])).toEqual([
      ['rootLogin', 'enum', 'no'],
      ['stronger', 'boolean', false],
      ['modules', 'list', []],
      ['benchPath', 'string', ''],
    ]);
    expect(views[1]).toMatchObject({ label: 'Stronger settings', help: 'Fewer auth tries.' });
    expect(views[0]).toMatchObject({ choices: [{ value: 'no', label: 'Refused' }, { value: 'prohibit-password', label: 'Keys only' }] });
  });

  it('prefers what the user set, then what the plan echoed', () => {
    const views = optionViews(FIELDS, { stronger: true }, { stronger: false, rootLogin: 'prohibit-password', internal: { x: 1 } });
    expect(views.find((v) => v.key === 'stronger')?.value).toBe(true);
    expect(views.find((v) => v.key === 'rootLogin')?.value).toBe('prohibit-password');
    // Echoed values that no field describes are not shown.
    expect(views.map((v) => v.key)).not.toContain('internal');
  });

  it('keeps unticked list items in the checklist across re-plans', () => {
    let known = rememberListItems({}, { modules: ['dccp', 'sctp', 'rds'] });
    // The next plan echoes only what stayed ticked.
    known = rememberListItems(known, { modules: ['dccp', 'rds'] });
    const list = optionViews(FIELDS, null, { modules: ['dccp', 'rds'] }, known).find((v) => v.key === 'modules');
    expect(list).toMatchObject({ kind: 'list', value: ['dccp', 'rds'], items: ['dccp', 'sctp', 'rds'] });
  });

  it('toggles an item and keeps the step order', () => {
    const order = ['dccp', 'sctp', 'rds'];
    expect(toggleListItem(['rds'], 'dccp', true, order)).toEqual(['dccp', 'rds']);
    expect(toggleListItem(['dccp', 'rds'], 'dccp', false, order)).toEqual(['rds']);
  });

  it('parses typed names and tells when the options differ from the plan', () => {
    expect(parseListText(' dccp, sctp\nrds  dccp ')).toEqual(['dccp', 'sctp', 'rds']);
    expect(parseListText('')).toEqual([]);
    expect(optionsDiffer(FIELDS, null, { stronger: false })).toBe(false);
    expect(optionsDiffer(FIELDS, { stronger: false }, { stronger: false })).toBe(false);
    expect(optionsDiffer(FIELDS, { stronger: false }, {})).toBe(false);
    expect(optionsDiffer(FIELDS, { stronger: true }, { stronger: false })).toBe(true);
    expect(optionsDiffer(FIELDS, { modules: ['dccp'] }, { modules: [] })).toBe(true);
  });
});
