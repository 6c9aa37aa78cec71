import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCHES, inventoryOrder, parseBatches, parseListHosts, planBatches } from './batches';

const fx = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('the rollout batches', () => {
  it('parses sizes and percentages, and refuses anything else', () => {
    expect(parseBatches('1, 50%,100%')).toEqual([1, '50%', '100%']);
    for (const bad of ['', '0', '1,,2', '150%', '0%', '-1', '1;reboot', 'a']) expect(() => parseBatches(bad)).toThrow(/batch/i);
  });

  it('cuts the hosts the way Ansible does: percentages of all hosts, at least one, the last size repeating', () => {
    expect(planBatches(['a', 'b'], DEFAULT_BATCHES)).toEqual([['a'], ['b']]);
    expect(planBatches(['a', 'b', 'c', 'd', 'e'], DEFAULT_BATCHES)).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
    expect(planBatches(['a', 'b', 'c'], [1])).toEqual([['a'], ['b'], ['c']]);
    expect(planBatches(['a', 'b', 'c'], ['100%'])).toEqual([['a', 'b', 'c']]);
    expect(planBatches([], DEFAULT_BATCHES)).toEqual([]);
  });

  it('reads the hosts Ansible would run, and their order, from its own output (recorded with ansible-core 2.14)', () => {
    expect(parseListHosts(fx('list-hosts.txt')).sort()).toEqual(['a', 'b', 'c']);
    expect(parseListHosts('playbook: x.yml\n')).toEqual([]);
    // [hardened] lab lab2, [hardened:children] more, [more] zeta alpha: the order a serial: 1 run showed.
    expect(inventoryOrder(JSON.parse(fx('inventory-list.json')), 'hardened')).toEqual(['lab', 'lab2', 'zeta', 'alpha']);
    expect(inventoryOrder(JSON.parse(fx('inventory-list.json')), 'nothing')).toEqual([]);
  });
});
