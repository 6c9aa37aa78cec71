import { HardenLabError } from '../errors';

/**
 * The rollout's batches, as Ansible's `serial` list: one canary host first,
 * then half of the hosts, then the rest, unless the operator says otherwise.
 * `planBatches` reproduces how Ansible cuts the hosts with such a list (a
 * percentage of all hosts, rounded down, at least one; the last size repeats
 * until every host had its turn), so the plan shows who goes when.
 */
export type Serial = Array<number | string>;

export const DEFAULT_BATCHES: Serial = [1, '50%', '100%'];

export function parseBatches(spec: string): Serial {
  const parts = spec.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.length > 10 || parts.some((p) => p === '')) throw new HardenLabError('BAD_INPUT', `"${spec.slice(0, 60)}" is not a list of batches: use sizes or percentages, such as 1,50%,100%.`);
  return parts.map((p) => {
    if (/^\d{1,4}$/.test(p) && Number(p) >= 1) return Number(p);
    if (/^\d{1,3}%$/.test(p) && Number(p.slice(0, -1)) >= 1 && Number(p.slice(0, -1)) <= 100) return p;
    throw new HardenLabError('BAD_INPUT', `Batch "${p.slice(0, 20)}" is neither a number of hosts (1 or more) nor a percentage (1% to 100%).`);
  });
}

export function planBatches(hosts: readonly string[], serial: Serial): string[][] {
  const sizes = serial.map((s) => (typeof s === 'number' ? s : Math.max(1, Math.floor((Number(s.slice(0, -1)) / 100) * hosts.length))));
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k, sizes.length - 1)]!;
    out.push(hosts.slice(i, i + size));
    i += size;
    k++;
  }
  return out;
}

/** `ansible-playbook --list-hosts`: the hosts of the (one) play, in the order Ansible runs them. */
export function parseListHosts(stdout: string): string[] {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => /^\s*hosts \(\d+\):\s*$/.test(l));
  if (at < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (!/^\s{6,}\S/.test(l)) break;
    out.push(l.trim());
  }
  return out;
}

interface InventoryList {
  [group: string]: { hosts?: string[]; children?: string[] } | unknown;
}

/**
 * The order Ansible runs a group's hosts in (`order: inventory`): the
 * group's own hosts, then its children's, level by level, each host once.
 * Read from `ansible-inventory --list`; `--list-hosts` prints the same hosts
 * in no particular order, so it only says which ones a --limit keeps.
 */
export function inventoryOrder(list: InventoryList, group: string): string[] {
  const groupOf = (name: string) => (list[name] ?? {}) as { hosts?: string[]; children?: string[] };
  const out: string[] = [];
  const seen = new Set<string>();
  const visited = new Set<string>();
  let level = [group];
  while (level.length) {
    const next: string[] = [];
    for (const g of level) {
      if (visited.has(g)) continue;
      visited.add(g);
      for (const h of groupOf(g).hosts ?? []) {
        if (seen.has(h)) continue;
        seen.add(h);
        out.push(h);
      }
      next.push(...(groupOf(g).children ?? []));
    }
    level = next;
  }
  return out;
}
