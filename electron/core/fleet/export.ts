import type { Canary } from '../../../shared/canary';
import type { Proof } from '../../../shared/domain';
import { quoteArg, shellJoin } from '../../../shared/quote';
import { Document } from 'yaml';
import { canaryShell, canaryTasks, exportableCanaries, unsafe } from '../canaries/export';
import { classifyCommand, type CommandMeaning } from '../commands/classify';
import type { FleetChange } from './changes';
import { copyTaskName, fileContent } from './file-content';
import { proofShell, proofTasks } from './proof-tasks';
import { PUT_FILE, shellPut } from './shell-file';
import { isSshdService, sshdBlock, sshdPartOf, sshdShell } from './sshd-block';

export { provenChanges, type FleetChange } from './changes';

/**
 * From the lab to the fleet: the changes an experiment PROVED (verified, not
 * reverted), as an Ansible playbook or a plain POSIX shell script, with the
 * very file contents the lab applied, and the lab's proof travelling along:
 * after the changes, every proof of the plan (`sshd -T`, `sysctl -n`,
 * modprobe dry runs) and every canary that held runs on each host and fails
 * it when it does not hold. sshd changes run behind the in-guest dead-man's
 * switch (sshd-block.ts), so a host that would lock Ansible out puts itself
 * back. Both exports are idempotent (files are only written when they
 * differ; follow-up commands run only when something changed) and the
 * playbook is check-mode safe (--check --diff shows the lab's diffs; the
 * proofs and the switch wait for the real run).
 *
 * Commands of a plan are mapped by what they mean (commands/classify.ts):
 * `sshd -t` becomes the copy's `validate`, reloads and restarts become
 * handlers, package installs package tasks, root locking `password_lock`. A
 * command we do not recognise is kept as a handler that runs after a change,
 * and listed in the export's notes.
 */
type Task = Record<string, unknown>;

/** Long enough for a slow host's reload, fresh login and proofs; the rollout may choose another. */
export const DEFAULT_FLEET_DEADLINE_S = 120;

/** Literal blocks for file contents, never folded, so the playbook shows each file as it will be written; long one-line values folded (YAML reads them back the same) to keep lines under 160. */
const YAML_OPTIONS = { lineWidth: 150, minContentWidth: 40, blockQuote: 'literal', directives: true } as const;

export interface FleetExport {
  playbook: string;
  inventory: string;
  shell: string;
  notes: string[];
}

export interface ExportMeta {
  profile: string;
  host: string;
  user: string;
  port: number;
  generatedAt?: string;
  /** The dead-man's switch's deadline on each host, in seconds. */
  deadlineS?: number;
  /** The play's hosts (an inventory group or pattern). */
  hosts?: string;
  /** Ansible's `serial` (batches) and `max_fail_percentage`, for a staged rollout. */
  serial?: Array<number | string>;
  maxFailPercentage?: number;
}

const slug = (s: string) => s.replace(/[^a-z0-9]/gi, '_').toLowerCase();

export function exportFleet(changes: readonly FleetChange[], meta: ExportMeta): FleetExport {
  const at = meta.generatedAt ?? new Date().toISOString();
  const deadlineS = meta.deadlineS ?? DEFAULT_FLEET_DEADLINE_S;
  const notes: string[] = [];
  const tasks: Task[] = [];
  const handlers = new Map<string, Task>();
  const later: Array<{ label: string; proofs: Proof[] }> = [];
  const sh: string[] = [
    '#!/bin/sh',
    `# Harden Lab: changes proved on the lab VM "${meta.profile}" (${changes.map((c) => `${c.step} ${c.experimentId}`).join(', ')}).`,
    `# Generated ${at}. Run as root on each host. Idempotent: files are written only when they differ,`,
    '# and the follow-up commands of a step run only when one of its files changed.',
    'set -eu',
    'umask 022',
    '',
    ...PUT_FILE,
  ];

  for (const c of changes) {
    const meanings: Array<CommandMeaning & { why: string }> = c.commands.map((x) => ({ ...classifyCommand(x.argv), why: x.why }));
    const sshd = sshdPartOf({ files: c.files, proofs: c.proofs ?? [] }, meanings);
    const inBlock = new Set(sshd?.files.map((f) => f.path) ?? []);
    // The sshd part reloads sshd inside its block; every other follow-up runs as a handler after a change.
    const followUps = meanings.filter((m) => m.kind === 'other' || (m.kind === 'service' && !(sshd && isSshdService(m))));
    const stepHandlers: string[] = [];
    for (const m of followUps) {
      if (m.kind === 'service') {
        const name = `[${c.step}] ${m.action} ${m.name}`;
        handlers.set(name, { name, 'ansible.builtin.service': { name: m.name, state: m.action === 'reload' ? 'reloaded' : 'restarted' } });
        stepHandlers.push(name);
      } else if (m.kind === 'other') {
        const name = `[${c.step}] ${m.argv.join(' ')}`.slice(0, 120);
        handlers.set(name, { name, 'ansible.builtin.command': { argv: m.argv.map(unsafe) }, ...(m.optional ? { failed_when: false } : {}), changed_when: true });
        stepHandlers.push(name);
        notes.push(`${c.step}: \`${m.argv.join(' ')}\` is run as a handler after a file change (${m.why}).`);
      }
    }
    const pkgs = [...new Set([...c.packages, ...meanings.flatMap((m) => (m.kind === 'packages' ? m.names : []))])];
    if (pkgs.length) {
      tasks.push({ name: `[${c.step}] packages ${pkgs.join(', ')}`, 'ansible.builtin.package': { name: pkgs, state: 'present' } });
      sh.push(`# ${c.step}: packages`, `if command -v apt-get >/dev/null; then DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs.map(quoteArg).join(' ')}; else apk add ${pkgs.map(quoteArg).join(' ')}; fi`, '');
    }
    const switchId = `${c.step}-${c.experimentId}`;
    if (sshd) {
      tasks.push(sshdBlock(c.step, sshd, { switchId, deadlineS, validate: meanings.some((m) => m.kind === 'validate-sshd') }));
      sh.push(...sshdShell(c.step, sshd, { switchId, deadlineS, notes }));
    }
    const flag = `changed_${slug(c.step)}`;
    sh.push(`# ---- ${c.step} (experiment ${c.experimentId}) ----`, `${flag}=""`);
    for (const f of c.files.filter((x) => !inBlock.has(x.path))) {
      const notify = stepHandlers.length ? { notify: stepHandlers } : {};
      if (f.content === null) tasks.push({ name: `[${c.step}] remove ${f.path}`, 'ansible.builtin.file': { path: f.path, state: 'absent' }, ...notify });
      else {
        tasks.push({
          name: copyTaskName(`[${c.step}] ${f.path}`, f),
          'ansible.builtin.copy': {
            dest: f.path,
            // The text came partly from the VM (the lines a plan keeps): Ansible must not template it on the control node.
            content: fileContent(f.content),
            // An existing file keeps its own mode and owner; a new one gets the lab's.
            ...(f.mode ? { mode: f.mode } : {}),
            backup: true,
          },
          ...notify,
        });
      }
      sh.push(...shellPut(f, flag, notes));
    }
    if (meanings.some((m) => m.kind === 'lock-root')) {
      tasks.push({ name: `[${c.step}] lock the root password`, 'ansible.builtin.user': { name: 'root', password_lock: true } });
      sh.push(`passwd -S root 2>/dev/null | grep -q ' L ' || passwd -l root`);
    }
    if (followUps.length) {
      sh.push(`if [ -n "$${flag}" ]; then`);
      for (const m of followUps) {
        if (m.kind === 'service') sh.push(`  if command -v systemctl >/dev/null; then systemctl ${m.action} ${quoteArg(m.name)}; else rc-service ${quoteArg(m.name)} ${m.action}; fi`);
        else if (m.kind === 'other') sh.push(`  ${shellJoin(m.argv)}${m.optional ? ' || true' : ''}`);
      }
      sh.push('fi');
    }
    sh.push('');
    if (c.proofs === null) notes.push(`${c.step} (experiment ${c.experimentId}) was planned before plans carried their proofs: the export cannot prove it on the hosts. Plan and apply it again in the lab to carry them.`);
    const rest = (c.proofs ?? []).filter((p) => !sshd?.proofs.includes(p));
    if (rest.length) later.push({ label: c.step, proofs: rest });
  }

  const byName = new Map<string, Canary>();
  for (const c of changes) for (const k of c.canaries) byName.set(k.name, k);
  const { kept: canaries, notes: canaryNotes } = exportableCanaries([...byName.values()]);
  notes.push(...canaryNotes);
  if (later.length || canaries.length) {
    // Handlers (reloads, restarts, sysctl -p) first: the proofs and canaries judge the host as it will run.
    tasks.push({ name: 'Apply the changes before the proofs and canaries run', 'ansible.builtin.meta': 'flush_handlers' });
  }
  for (const l of later) tasks.push(...proofTasks(l.proofs, l.label));
  tasks.push(...canaryTasks(canaries));
  if (later.length) {
    sh.push('# ---- proofs: what the lab verified, checked on this host ----', 'hl_failed=""', ...later.flatMap((l) => proofShell(l.proofs, l.label)));
    sh.push(`if [ -n "$hl_failed" ]; then echo 'Harden Lab: a change does not hold on this host: restore the .hardenlab-bak files of the changes above.' >&2; exit 1; fi`, '');
  }
  if (canaries.length) sh.push(...canaryShell(canaries));
  sh.push('echo "Harden Lab changes are in place."', '');

  const play: Task = {
    name: `Harden Lab: ${changes.map((c) => c.step).join(', ')}`,
    hosts: meta.hosts ?? 'hardened',
    become: true,
    gather_facts: false,
    ...(meta.serial ? { serial: meta.serial } : {}),
    ...(meta.maxFailPercentage !== undefined ? { max_fail_percentage: meta.maxFailPercentage } : {}),
    tasks,
    ...(handlers.size ? { handlers: [...handlers.values()] } : {}),
  };
  const doc = new Document([play], { aliasDuplicateObjects: false });
  // yaml prints each comment line after a '#'; on the play list, they come after the '---'.
  doc.contents!.commentBefore = [
    ` Harden Lab: the changes proved on the lab VM "${meta.profile}":`,
    ...changes.map((c) => `   ${c.step} (experiment ${c.experimentId})`),
    ` Generated ${at}. Same file contents as in the lab; idempotent; safe with --check --diff.`,
    ' After the changes, the lab\'s proofs and canaries run on each host and fail it when they do not hold.',
    ` sshd changes run behind a dead-man's switch on the host (${deadlineS} s): a host that would lock Ansible out puts itself back.`,
    ' Usage: ansible-playbook -i inventory.ini hardenlab.yml --check --diff   (preview), then without --check.',
  ].join('\n');
  const playbook = doc.toString(YAML_OPTIONS);

  const inventory = [
    '# Example inventory for the Harden Lab playbook: one line per host to harden.',
    '[hardened]',
    `${meta.profile} ansible_host=${meta.host} ansible_port=${meta.port} ansible_user=${meta.user}`,
    '',
  ].join('\n');
  return { playbook, inventory, shell: sh.join('\n'), notes };
}
