import { Scalar } from 'yaml';
import type { Canary } from '../../../shared/canary';
import { shellJoin } from '../../../shared/quote';
import { canaryCommand } from './command';

/**
 * The canaries as checks on every host of a fleet, after the change: the
 * very commands the lab ran (command.ts), judged the same way. Patterns and
 * expected values travel as task variables, never pasted into Jinja or shell
 * text. Canaries run in check mode too: they only read.
 */
type Task = Record<string, unknown>;

/**
 * Ansible templates module arguments: an argv element or pattern holding
 * "{{ lookup('pipe', ...) }}" would run on the control node. Tagged !unsafe,
 * Ansible takes the text as it is.
 */
export function unsafe(text: string): Scalar {
  const s = new Scalar(text);
  s.tag = '!unsafe';
  return s;
}

function vmSide(c: Canary): c is Exclude<Canary, { kind: 'tcp'; from: 'host' }> {
  return !(c.kind === 'tcp' && c.from === 'host');
}

/** Canaries that make sense on another host: a TCP check from this machine to a lab port forward does not. */
export function exportableCanaries(canaries: readonly Canary[]): { kept: Canary[]; notes: string[] } {
  const kept = canaries.filter(vmSide);
  const notes = canaries.filter((c) => !vmSide(c)).map((c: Canary) => `Canary "${c.name}" checks a port from this machine (a lab port forward), so it is not part of the export.`);
  return { kept, notes };
}

function failedWhen(c: Canary): { failed_when: string; vars?: Record<string, unknown> } {
  switch (c.kind) {
    case 'command':
      return c.stdoutMatch
        ? { failed_when: 'hl_canary.rc != hl_expect_rc or hl_canary.stdout is not search(hl_pattern, multiline=True)', vars: { hl_expect_rc: c.expectExit, hl_pattern: unsafe(c.stdoutMatch) } }
        : { failed_when: 'hl_canary.rc != hl_expect_rc', vars: { hl_expect_rc: c.expectExit } };
    case 'http':
      return {
        failed_when: c.bodyMatch ? "hl_canary.stdout is not search('HLSTATUS ' ~ hl_status ~ '$') or hl_canary.stdout is not search(hl_pattern, multiline=True)" : "hl_canary.stdout is not search('HLSTATUS ' ~ hl_status ~ '$')",
        vars: { hl_status: c.expectStatus, ...(c.bodyMatch ? { hl_pattern: unsafe(c.bodyMatch) } : {}) },
      };
    case 'container':
      return c.container ? { failed_when: "hl_canary.rc != 0 or hl_canary.stdout | trim != 'running'" } : { failed_when: 'hl_canary.rc != 0' };
    default:
      return { failed_when: 'hl_canary.rc != 0' };
  }
}

export function canaryTasks(canaries: readonly Canary[]): Task[] {
  return canaries.filter(vmSide).map((c) => {
    const cmd = canaryCommand(c);
    const { failed_when, vars } = failedWhen(c);
    return {
      name: `Canary ${c.name}: ${c.kind}`,
      'ansible.builtin.command': { argv: cmd.argv.map(unsafe) },
      become: cmd.elevate,
      register: 'hl_canary',
      changed_when: false,
      check_mode: false,
      failed_when,
      ...(vars ? { vars } : {}),
    };
  });
}

/** POSIX sh lines that run each canary and set hl_failed when one fails (grep -E reads the patterns). */
export function canaryShell(canaries: readonly Canary[]): string[] {
  const out: string[] = ['# ---- canaries: the host still does its job ----', 'hl_failed=""'];
  for (const c of canaries.filter(vmSide)) {
    // The script runs as root; a canary of the login user runs as root here too (the lab ran it as the login user).
    const run = shellJoin(canaryCommand(c).argv);
    const fail = `{ echo ${shellJoin([`Harden Lab: canary ${c.name} FAILS after the change`])} >&2; hl_failed=1; }`;
    if (c.kind === 'command') {
      out.push(`hl_out=$(${run}) && hl_rc=0 || hl_rc=$?`);
      const test = [`[ "$hl_rc" -eq ${c.expectExit} ]`, ...(c.stdoutMatch ? [`printf '%s\\n' "$hl_out" | grep -Eq -- ${shellJoin([c.stdoutMatch])}`] : [])].join(' && ');
      out.push(`${test} || ${fail}`);
    } else if (c.kind === 'http') {
      out.push(`hl_out=$(${run}) || true`);
      const test = [`printf '%s\\n' "$hl_out" | tail -n 1 | grep -qx 'HLSTATUS ${c.expectStatus}'`, ...(c.bodyMatch ? [`printf '%s\\n' "$hl_out" | grep -Eq -- ${shellJoin([c.bodyMatch])}`] : [])].join(' && ');
      out.push(`${test} || ${fail}`);
    } else if (c.kind === 'container' && c.container) {
      out.push(`[ "$(${run} 2>/dev/null)" = running ] || ${fail}`);
    } else {
      out.push(`${run} >/dev/null 2>&1 || ${fail}`);
    }
  }
  out.push(`if [ -n "$hl_failed" ]; then echo 'Harden Lab: a canary fails: restore the .hardenlab-bak files of the changes above.' >&2; exit 1; fi`, '');
  return out;
}
