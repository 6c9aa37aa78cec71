import type { Proof } from '../../../shared/domain';
import { shellJoin } from '../../../shared/quote';
import { unsafe } from '../canaries/export';

/**
 * A proof (shared/domain.ts) as an Ansible task and as sh lines: the same
 * command, judged by the same rule as proofs/judge.ts. Expected values travel
 * as task variables tagged !unsafe, never pasted into Jinja or shell text.
 * Proofs skip in check mode: the change they prove has not been made there.
 */
type Task = Record<string, unknown>;

/** The Jinja test that the proof holds, on the registered result `v`. */
function holdsWhen(p: Proof, v: string): { that: string; vars: Record<string, unknown> } {
  const e = p.expect;
  const lines = `${v}.stdout_lines | map('trim') | map('lower')`;
  switch (e.kind) {
    case 'equals':
      return { that: `(${v}.stdout.split() | join(' ')) == hl_want`, vars: { hl_want: unsafe(e.value) } };
    case 'line':
      return { that: `(${lines} | intersect(hl_want) | length) > 0`, vars: { hl_want: e.anyOf.map(unsafe) } };
    case 'range':
      return {
        that: `(${lines} | select('match', hl_prefix ~ '[0-9]{1,9}$') | map('regex_replace', '^.* ', '') | map('int') | select('ge', hl_min) | select('le', hl_max) | list | length) > 0`,
        vars: { hl_prefix: unsafe(e.prefix.replace(/[.]/g, '[.]')), hl_min: e.min, hl_max: e.max },
      };
    case 'match':
      return { that: `${v}.stdout is search(hl_pattern, multiline=True)`, vars: { hl_pattern: unsafe(e.pattern) } };
  }
}

/**
 * Each distinct command runs once on the host (`sshd -T` serves every sshd
 * proof), then each proof is an assert on its output, judged on the control
 * node: one round trip per command, not per proof, which keeps a slow host's
 * proofs well inside the dead-man's switch's deadline.
 */
export function proofTasks(proofs: readonly Proof[], label: string): Task[] {
  const groups = new Map<string, Proof[]>();
  for (const p of proofs) {
    const key = JSON.stringify([p.argv, p.elevated]);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const slug = label.replace(/[^a-z0-9]/gi, '_').toLowerCase();
  return [...groups.values()].flatMap((group, k) => {
    const v = `hl_proof_${slug}_${k}`;
    const first = group[0]!;
    return [
      {
        name: `[${label}] read ${first.argv.join(' ')}`.slice(0, 150),
        'ansible.builtin.command': { argv: first.argv.map(unsafe) },
        become: first.elevated,
        register: v,
        changed_when: false,
        when: 'not ansible_check_mode',
      },
      ...group.map((p) => {
        const { that, vars } = holdsWhen(p, v);
        return {
          name: `[${label}] prove ${p.name}`.slice(0, 150),
          'ansible.builtin.assert': { that: [that], fail_msg: unsafe(`${p.name} does not hold`), quiet: true },
          when: 'not ansible_check_mode',
          vars,
        };
      }),
    ];
  });
}

/** `hl_out` holds the output; the test is true when the proof holds. */
function shellTest(p: Proof): string {
  const e = p.expect;
  const lines = `printf '%s\\n' "$hl_out" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'`;
  switch (e.kind) {
    case 'equals':
      return `[ "$(printf '%s' "$hl_out" | tr -s ' \\t\\n' '   ' | sed 's/^ //; s/ $//')" = ${shellJoin([e.value])} ]`;
    case 'line':
      return `${lines} | tr '[:upper:]' '[:lower:]' | grep -qxF ${e.anyOf.map((v) => `-e ${shellJoin([v])}`).join(' ')}`;
    case 'range':
      return `${lines} | tr '[:upper:]' '[:lower:]' | awk -v k=${shellJoin([e.prefix])} -v lo=${e.min} -v hi=${e.max} 'index($0, k) == 1 { v = substr($0, length(k) + 1); if (v ~ /^[0-9]+$/ && v + 0 >= lo && v + 0 <= hi) f = 1 } END { exit !f }'`;
    case 'match':
      return `printf '%s\\n' "$hl_out" | grep -Eq -- ${shellJoin([e.pattern])}`;
  }
}

/** sh lines that run each proof and set hl_failed when one does not hold. */
export function proofShell(proofs: readonly Proof[], label: string): string[] {
  const out: string[] = [];
  for (const p of proofs) {
    const fail = `{ echo ${shellJoin([`Harden Lab: ${label}: ${p.name} does NOT hold`])} >&2; hl_failed=1; }`;
    out.push(`hl_out=$(${shellJoin(p.argv)} 2>/dev/null) && ${shellTest(p)} || ${fail}`);
  }
  return out;
}
