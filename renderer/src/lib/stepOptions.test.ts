import { describe, expect, it } from 'vitest';
import { humanizeKey, optionFields, optionsEqual, rememberListItems, toggleListItem } from './stepOptions';

describe('step options', () => {
  it('builds fields by value type and skips nested objects', () => {
    const fields = optionFields({ stronger: false, maxAuthTries: 3, banner: 'hi', disable: ['dccp', 'sctp'], nested: { a: 1 } });
    expect(fields.map((f) => [f.key, f.kind, f.label])).toEqual([
      ['stronger', 'boolean', 'Stronger settings'],
      ['maxAuthTries', 'number', 'Max auth tries'],
      ['banner', 'string', 'Banner'],
      ['disable', 'list', 'Modules to disable'],
    ]);
  });

  it('keeps unticked list items in the checklist across re-plans', () => {
    let known = rememberListItems({}, { disable: ['dccp', 'sctp', 'rds'] });
    // The next plan echoes only what stayed ticked.
    known = rememberListItems(known, { disable: ['dccp', 'rds'] });
    const [field] = optionFields({ disable: ['dccp', 'rds'] }, known);
    expect(field).toMatchObject({ kind: 'list', value: ['dccp', 'rds'], items: ['dccp', 'sctp', 'rds'] });
  });

  it('toggles an item and keeps the step order', () => {
    const order = ['dccp', 'sctp', 'rds'];
    expect(toggleListItem(['rds'], 'dccp', true, order)).toEqual(['dccp', 'rds']);
    expect(toggleListItem(['dccp', 'rds'], 'dccp', false, order)).toEqual(['rds']);
  });

  it('humanises unknown keys and compares options', () => {
    expect(humanizeKey('allow_tcp-forwarding')).toBe('Allow tcp forwarding');
    expect(optionsEqual({ a: 1 }, { a: 1 })).toBe(true);
    expect(optionsEqual(null, {})).toBe(true);
    expect(optionsEqual({ a: 1 }, { a: 2 })).toBe(false);
  });
});
