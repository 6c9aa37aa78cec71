import type { Proof } from '../../../shared/domain';
import { quoteArg, shellJoin } from '../../../shared/quote';
import { unsafe } from '../canaries/export';
import type { CommandMeaning } from '../commands/classify';
import { armOnHostArgv, disarmOnHostArgv, fireOnHostArgv, removeOnHostArgv } from '../deadman/on-host';
import { layoutOf, type SwitchLayout } from '../deadman/script';
import { copyTaskName, fileContent } from './file-content';
import { proofShell, proofTasks } from './proof-tasks';
import { shellPut } from './shell-file';

/**
 * The part of a change that can lock Ansible out of a host: sshd's files,
 * their reload and their proofs. On each host it runs in a block with the
 * dead-man's switch armed first (the host's own files backed up on the
 * host), the reload, a fresh connection (`meta: reset_connection`, then
 * `wait_for_connection`), the proofs, and the disarm. When anything in it
 * fails, the rescue fires the switch at once if the host still answers (or
 * its timer does it at the deadline if the host does not), waits for a fresh
 * connection, reads what the switch did, and fails the host.
 */
export interface SshdPart {
  files: Array<{ path: string; content: string | null; mode?: string }>;
  services: string[];
  proofs: Proof[];
}

type Task = Record<string, unknown>;
type Service = Extract<CommandMeaning, { kind: 'service' }>;

const SSHD_SERVICE = /^sshd?$/;
const SSHD_BIN = /(^|\/)sshd$/;

export function isSshdService(m: CommandMeaning): m is Service {
  return m.kind === 'service' && SSHD_SERVICE.test(m.name);
}

/** The sshd part of a change, when its plan edits /etc/ssh and validates or reloads sshd. */
export function sshdPartOf(c: { files: SshdPart['files']; proofs: readonly Proof[] }, meanings: readonly CommandMeaning[]): SshdPart | null {
  const files = c.files.filter((f) => f.path.startsWith('/etc/ssh/'));
  const services = [...new Set(meanings.filter(isSshdService).map((m) => m.name))];
  if (files.length === 0 || (services.length === 0 && !meanings.some((m) => m.kind === 'validate-sshd'))) return null;
  return { files, services, proofs: c.proofs.filter((p) => SSHD_BIN.test(p.argv[0] ?? '')) };
}

/** The switch restarts sshd with either service manager: a fleet host need not be the lab's kind. */
function restartOnEitherManager(name: string): string[] {
  return ['sh', '-c', 'if [ -d /run/systemd/system ]; then exec systemctl reload-or-restart "$1"; fi; exec rc-service "$1" restart', 'sh', name];
}

export function switchLayoutFor(label: string): SwitchLayout {
  return layoutOf(`fleet-${label.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 32)}`);
}

const notInCheck = { when: 'not ansible_check_mode' };

export function sshdBlock(label: string, part: SshdPart, o: { switchId: string; deadlineS: number; validate: boolean }): Task {
  const l = switchLayoutFor(o.switchId);
  const slug = label.replace(/[^a-z0-9]/gi, '_').toLowerCase();
  const reg = (i: number) => `hl_${slug}_sshd_${i}`;
  const copies: Task[] = part.files.map((f, i) =>
    f.content === null
      ? { name: `[${label}] remove ${f.path}`, 'ansible.builtin.file': { path: f.path, state: 'absent' }, register: reg(i) }
      : {
          name: copyTaskName(`[${label}] ${f.path}`, f),
          'ansible.builtin.copy': { dest: f.path, content: fileContent(f.content), ...(f.mode ? { mode: f.mode } : {}), backup: true, ...(o.validate ? { validate: '/usr/sbin/sshd -t -f %s' } : {}) },
          register: reg(i),
        },
  );
  const changed = part.files.map((_, i) => `${reg(i)} is changed`).join(' or ');
  const restart = (part.services.length ? part.services : ['ssh']).map(restartOnEitherManager);
  const retries = Math.ceil((o.deadlineS + 90) / 5);
  return {
    name: `[${label}] sshd behind the dead-man's switch (${o.deadlineS} s)`,
    block: [
      {
        name: `[${label}] arm the dead-man's switch: unless disarmed within ${o.deadlineS} s it puts sshd's files back and restarts it`,
        'ansible.builtin.command': { argv: armOnHostArgv(l, { paths: part.files.map((f) => f.path), restart, deadlineS: o.deadlineS, armedBy: 'an Ansible run' }).map(unsafe) },
        changed_when: false,
        ...notInCheck,
      },
      ...copies,
      ...part.services.map((name) => ({ name: `[${label}] reload ${name}`, 'ansible.builtin.service': { name, state: 'reloaded' }, when: changed })),
      { name: `[${label}] drop the connection, so the next task logs in anew`, 'ansible.builtin.meta': 'reset_connection' },
      { name: `[${label}] a fresh connection and elevation work with the new sshd`, 'ansible.builtin.wait_for_connection': { timeout: Math.min(60, Math.floor(o.deadlineS / 2)), sleep: 2 }, ...notInCheck },
      ...proofTasks(part.proofs, label),
      {
        name: `[${label}] proved: disarm the dead-man's switch`,
        'ansible.builtin.command': { argv: disarmOnHostArgv(l).map(unsafe) },
        register: 'hl_disarm',
        changed_when: false,
        // Exit 3: the switch had already fired (the run was slower than its deadline): the rescue below reads what it did.
        failed_when: 'hl_disarm.rc != 0',
        ...notInCheck,
      },
    ],
    rescue: [
      { name: `[${label}] the change did not hold: fire the dead-man's switch now`, 'ansible.builtin.command': { argv: fireOnHostArgv(l).map(unsafe) }, failed_when: false, ignore_unreachable: true, changed_when: true, ...notInCheck },
      { name: `[${label}] drop the connection`, 'ansible.builtin.meta': 'reset_connection' },
      { name: `[${label}] wait for a fresh connection (the switch restarts sshd with its old files; its own timer does it at the deadline)`, 'ansible.builtin.wait_for_connection': { timeout: o.deadlineS + 120, sleep: 5 }, ...notInCheck },
      { name: `[${label}] what the switch did`, 'ansible.builtin.command': { argv: ['cat', `${l.dir}/restored`] }, register: 'hl_restored', until: 'hl_restored.rc == 0', retries, delay: 5, changed_when: false, ...notInCheck },
      { name: `[${label}] remove the switch`, 'ansible.builtin.command': { argv: removeOnHostArgv(l).map(unsafe) }, changed_when: false, ...notInCheck },
      {
        name: `[${label}] restored by the dead-man's switch`,
        'ansible.builtin.fail': {
          msg: `${label}: the change did not hold on {{ inventory_hostname }} ({{ ansible_failed_task.name | default('?') }}: {{ ansible_failed_result.msg | default('') }}); the dead-man's switch put sshd's files back and restarted it (restored: {{ hl_restored.stdout | default('?') }}).`,
        },
      },
    ],
  };
}

/**
 * The shell export cannot open a new connection from the host itself: it
 * arms the switch, applies, runs the proofs (fires at once when one fails),
 * and leaves the last proof to the operator: a new SSH session within the
 * deadline that disarms it.
 */
export function sshdShell(label: string, part: SshdPart, o: { switchId: string; deadlineS: number; notes: string[] }): string[] {
  const l = switchLayoutFor(o.switchId);
  const restart = (part.services.length ? part.services : ['ssh']).map(restartOnEitherManager);
  const flag = `changed_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_sshd`;
  const out = [
    `# ---- ${label}: sshd, behind the dead-man's switch (${o.deadlineS} s) ----`,
    `${shellJoin(armOnHostArgv(l, { paths: part.files.map((f) => f.path), restart, deadlineS: o.deadlineS, armedBy: 'the Harden Lab shell script' }))}`,
    `${flag}=""`,
    ...part.files.flatMap((f) => shellPut(f, flag, o.notes)),
    `if ! /usr/sbin/sshd -t; then echo 'sshd rejects the new configuration: the dead-man switch puts it back now' >&2; ${shellJoin(fireOnHostArgv(l))}; exit 1; fi`,
    `if [ -n "$${flag}" ]; then`,
    ...part.services.map((name) => `  if command -v systemctl >/dev/null; then systemctl reload ${quoteArg(name)}; else rc-service ${quoteArg(name)} reload; fi`),
    'fi',
    'hl_failed=""',
    ...proofShell(part.proofs, label),
    `if [ -n "$hl_failed" ]; then echo ${quoteArg(`Harden Lab: ${label} does not hold: the dead-man's switch puts sshd back now.`)} >&2; ${shellJoin(fireOnHostArgv(l))}; exit 1; fi`,
    `echo ${quoteArg(`Harden Lab: ${label} holds here. Now open a NEW SSH session to this host and, within ${o.deadlineS} s, run as root:`)}`,
    `echo ${quoteArg(`  ${shellJoin(disarmOnHostArgv(l))}`)}`,
    `echo ${quoteArg(`Otherwise the dead-man's switch puts sshd's files back and restarts it.`)}`,
    '',
  ];
  return out;
}
