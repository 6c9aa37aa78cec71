import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Document } from 'yaml';
import type { Proof, ProofExpect } from '../../../shared/domain';
import { holdsOn } from '../proofs/judge';
import { BLOCKED_DRY_RUN_LINE } from '../steps/modules/catalog';
import { proofShell, proofTasks } from './proof-tasks';

// Each proof is judged three ways: by proofs/judge.ts (the lab's verify), by
// the sh lines of the shell export (run here with sh), and by the Ansible
// task (run here by ansible-playbook on this machine, connection local). All
// three must agree on every case, holding or not.
const CASES: Array<[string, ProofExpect, string]> = [
  ['sysctl holds', { kind: 'equals', value: '2' }, '2\n'],
  ['sysctl differs', { kind: 'equals', value: '2' }, '1\n'],
  ['sysctl several numbers', { kind: 'equals', value: '4 4 1 7' }, '4\t4\t1\t7\n'],
  ['sysctl a prefix is not equal', { kind: 'equals', value: '1' }, '10\n'],
  ['sshd line holds', { kind: 'line', anyOf: ['passwordauthentication no'] }, 'port 22\n  PasswordAuthentication no \nx11forwarding yes\n'],
  ['sshd line differs', { kind: 'line', anyOf: ['passwordauthentication no'] }, 'port 22\npasswordauthentication yes\n'],
  ['sshd alias', { kind: 'line', anyOf: ['permitrootlogin prohibit-password', 'permitrootlogin without-password'] }, 'permitrootlogin without-password\n'],
  ['sshd value is not a prefix', { kind: 'line', anyOf: ['x11forwarding no'] }, 'x11forwarding no-way\n'],
  ['range holds', { kind: 'range', prefix: 'maxauthtries ', min: 1, max: 4 }, 'port 22\nmaxauthtries 3\n'],
  ['range above', { kind: 'range', prefix: 'maxauthtries ', min: 1, max: 4 }, 'maxauthtries 6\n'],
  ['range zero', { kind: 'range', prefix: 'maxauthtries ', min: 1, max: 4 }, 'maxauthtries 0\n'],
  ['range another key', { kind: 'range', prefix: 'maxauthtries ', min: 1, max: 4 }, 'maxsessions 3\n'],
  ['module blocked', { kind: 'match', pattern: BLOCKED_DRY_RUN_LINE }, 'install /bin/false \n'],
  ['module loads', { kind: 'match', pattern: BLOCKED_DRY_RUN_LINE }, 'insmod /lib/modules/6.1.0/kernel/fs/cramfs/cramfs.ko \n'],
  ['module falsehood', { kind: 'match', pattern: BLOCKED_DRY_RUN_LINE }, 'install /bin/falsehood\n'],
  ['a value with shell and Jinja in it', { kind: 'equals', value: "{{ lookup('pipe', 'id') }} $(id)" }, "{{ lookup('pipe', 'id') }} $(id)\n"],
];

const proofOf = (name: string, expect: ProofExpect, out: string): Proof => ({ name, argv: ['printf', '%s', out], elevated: false, expect });

describe('a proof means the same in the lab, in sh and in Ansible', () => {
  it('sh agrees with the judge on every case', () => {
    for (const [name, expectation, out] of CASES) {
      const lines = ['hl_failed=""', ...proofShell([proofOf(name, expectation, out)], 'test'), '[ -z "$hl_failed" ]'];
      const r = spawnSync('sh', ['-c', lines.join('\n')], { encoding: 'utf8' });
      expect({ name, holds: r.status === 0 }).toEqual({ name, holds: holdsOn(expectation, out) });
    }
  });

  it('Ansible agrees with the judge on every case', () => {
    // Each case in a block of its own: a proof that does not hold fails its assert, and the rescue records it.
    const tasks = CASES.map(([name, expectation, out], i) => ({
      name: `case ${i}`,
      block: proofTasks([proofOf(name, expectation, out)], `case${i}`),
      rescue: [{ name: `case ${i} failed`, 'ansible.builtin.set_fact': { [`failed${i}`]: true } }],
    }));
    const verdicts = CASES.map((_, i) => `failed${i} | default(false)`).join(', ');
    const play = [{ name: 'proofs', hosts: 'localhost', gather_facts: false, tasks: [...tasks, { name: 'verdicts', 'ansible.builtin.debug': { msg: `{{ [${verdicts}] }}` } }] }];
    const dir = mkdtempSync(join(tmpdir(), 'hl-proofs-'));
    writeFileSync(join(dir, 'play.yml'), new Document(play).toString({ lineWidth: 0 }));
    const r = spawnSync('ansible-playbook', ['-i', 'localhost,', '-c', 'local', join(dir, 'play.yml')], {
      encoding: 'utf8',
      env: { ...process.env, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3', ANSIBLE_LOCALHOST_WARNING: 'False', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False' },
      timeout: 120_000,
    });
    expect(r.status, r.stderr + r.stdout.slice(0, 2000)).toBe(0);
    const json = JSON.parse(r.stdout) as { plays: Array<{ tasks: Array<{ task: { name: string }; hosts: Record<string, { msg?: boolean[] }> }> }> };
    const failed = json.plays[0]!.tasks.at(-1)!.hosts.localhost!.msg!;
    expect(CASES.map(([name], i) => ({ name, holds: !failed[i] }))).toEqual(CASES.map(([name, expectation, out]) => ({ name, holds: holdsOn(expectation, out) })));
  }, 120_000);
});
