import type { Canary } from '../../../shared/canary';
import type { ExperimentShape, PlanShape } from '../../../shared/domain';
import { canaryShell, canaryTasks, exportableCanaries, unsafe } from '../canaries/export';
import { shellJoin, quoteArg } from '../../../shared/quote';
import { Document } from 'yaml';
import { HardenLabError } from '../errors';

/**
 * From the lab to the fleet: the changes an experiment PROVED (verified, not
 * reverted), as an Ansible playbook or a plain POSIX shell script, with the
 * very file contents the lab applied. Both are idempotent (files are only
 * written when they differ; follow-up commands run only when something
 * changed) and the playbook is check-mode safe (--check --diff shows the same
 * diffs the app showed).
 *
 * Commands of a plan are mapped to what they mean: `sshd -t` becomes the
 * copy's `validate`, reloads and restarts become handlers, package installs
 * become package tasks, root locking becomes `password_lock`. A command we do
 * not recognise is kept as a handler that runs after a change, and listed in
 * the export's notes.
 *
 * The canaries that held in the lab travel too: after the changes (and their
 * handlers), each one runs on the host and fails it when it breaks.
 */
export interface FleetChange {
  experimentId: string;
  step: string;
  files: Array<{ path: string; content: string | null; mode?: string }>;
  commands: Array<{ argv: string[]; why: string }>;
  packages: string[];
  /** The operator's canaries that passed before and after this change in the lab. */
  canaries: Canary[];
}

export function provenChanges(experiments: readonly ExperimentShape[], id: string | undefined): FleetChange[] {
  const proven = experiments.filter((e) => e.result?.outcome === 'verified' && e.status === 'verified' && e.plan);
  const chosen = id === undefined ? proven : proven.filter((e) => e.id === id);
  if (id !== undefined && chosen.length === 0) {
    const e = experiments.find((x) => x.id === id);
    throw new HardenLabError(e ? 'BAD_INPUT' : 'NOT_FOUND', e ? `Experiment ${id} was not verified (${e.status}): only proven changes are exported.` : `There is no experiment "${id}".`);
  }
  if (chosen.length === 0) throw new HardenLabError('NOT_FOUND', 'There is no verified experiment to export yet.', { hint: 'Apply a step in the lab first; only changes that were proved are exported.' });
  return chosen
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .map((e) => {
      const plan = e.plan as PlanShape;
      return {
        experimentId: e.id,
        step: e.step,
        files: plan.files.map((f) => ({ path: f.path, content: f.after, ...(f.mode ? { mode: f.mode } : {}) })),
        commands: plan.commands.map((c) => ({ argv: c.argv, why: c.why })),
        packages: plan.packages.install,
        canaries: (e.result?.canaries ?? []).filter((c) => c.definition && c.verdict === 'held').map((c) => c.definition!),
      };
    });
}

type Mapped =
  | { kind: 'validate-sshd' }
  | { kind: 'service'; name: string; state: 'reloaded' | 'restarted' }
  | { kind: 'lock-root' }
  | { kind: 'packages'; names: string[] }
  | { kind: 'command'; argv: string[]; optional: boolean };

const SSHD = /(^|\/)sshd$/;

function stripEnv(argv: string[]): string[] {
  let i = 0;
  if (argv[0] === 'env') {
    i = 1;
    while (i < argv.length && /^[A-Z_][A-Z0-9_]*=/.test(argv[i]!)) i++;
  }
  return argv.slice(i);
}

export function mapCommand(raw: string[]): Mapped {
  const argv = stripEnv(raw);
  const [cmd = '', ...rest] = argv;
  if (SSHD.test(cmd) && rest.length === 1 && rest[0] === '-t') return { kind: 'validate-sshd' };
  if (cmd === 'systemctl' && (rest[0] === 'reload' || rest[0] === 'restart') && rest.length === 2) return { kind: 'service', name: rest[1]!, state: rest[0] === 'reload' ? 'reloaded' : 'restarted' };
  if (cmd === 'rc-service' && rest.length === 2 && (rest[1] === 'reload' || rest[1] === 'restart')) return { kind: 'service', name: rest[0]!, state: rest[1] === 'reload' ? 'reloaded' : 'restarted' };
  if ((cmd === 'passwd' && rest.join(' ') === '-l root') || (cmd === 'usermod' && rest.join(' ') === '-L root')) return { kind: 'lock-root' };
  if (cmd === 'apt-get' && rest.includes('install') && !rest.includes('--only-upgrade')) return { kind: 'packages', names: rest.filter((a) => !a.startsWith('-') && a !== 'install') };
  if (cmd === 'apk' && rest[0] === 'add' && !rest.includes('-u')) return { kind: 'packages', names: rest.slice(1).filter((a) => !a.startsWith('-')) };
  return { kind: 'command', argv, optional: cmd === 'modprobe' && rest[0] === '-r' };
}

// ---- YAML, built as data and printed by the `yaml` package ----

type Task = Record<string, unknown>;

/** Literal blocks for file contents, never folded, so the playbook shows each file as it will be written. */
const YAML_OPTIONS = { lineWidth: 0, blockQuote: 'literal', directives: true } as const;

export interface FleetExport {
  playbook: string;
  inventory: string;
  shell: string;
  notes: string[];
}

export function exportFleet(changes: readonly FleetChange[], meta: { profile: string; host: string; user: string; port: number; generatedAt?: string }): FleetExport {
  const at = meta.generatedAt ?? new Date().toISOString();
  const notes: string[] = [];
  const tasks: Task[] = [];
  const handlers = new Map<string, Task>();
  const sh: string[] = [
    '#!/bin/sh',
    `# Harden Lab: changes proved on the lab VM "${meta.profile}" (${changes.map((c) => `${c.step} ${c.experimentId}`).join(', ')}).`,
    `# Generated ${at}. Run as root on each host. Idempotent: files are written only when they differ,`,
    '# and the follow-up commands of a step run only when one of its files changed.',
    'set -eu',
    'umask 022',
    '',
    '# put_file PATH MODE: replaces PATH with stdin when the content differs, keeping a backup. Prints "changed" when it did.',
    'put_file() {',
    '  tmp="$1.hardenlab-new.$$"',
    '  cat > "$tmp"',
    '  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; return 0; fi',
    '  if [ -f "$1" ]; then cp -p "$1" "$1.hardenlab-bak-$(date +%Y%m%dT%H%M%S)"; chmod --reference="$1" "$tmp" 2>/dev/null || chmod "$2" "$tmp"; chown --reference="$1" "$tmp" 2>/dev/null || true; else chmod "$2" "$tmp"; fi',
    '  sync "$tmp" 2>/dev/null || sync',
    '  mv -f "$tmp" "$1"',
    '  echo changed',
    '}',
    '',
  ];

  for (const c of changes) {
    const mapped = c.commands.map((x) => ({ ...mapCommand(x.argv), why: x.why }));
    const validateSshd = mapped.some((m) => m.kind === 'validate-sshd');
    const stepHandlers: string[] = [];
    for (const m of mapped) {
      if (m.kind === 'service') {
        const name = `${c.step}: ${m.state === 'reloaded' ? 'reload' : 'restart'} ${m.name}`;
        handlers.set(name, { name, 'ansible.builtin.service': { name: m.name, state: m.state } });
        stepHandlers.push(name);
      } else if (m.kind === 'command') {
        const name = `${c.step}: ${m.argv.join(' ')}`.slice(0, 120);
        handlers.set(name, { name, 'ansible.builtin.command': { argv: m.argv.map(unsafe) }, ...(m.optional ? { failed_when: false } : {}), changed_when: true });
        stepHandlers.push(name);
        notes.push(`${c.step}: \`${m.argv.join(' ')}\` is run as a handler after a file change (${m.why}).`);
      }
    }
    const pkgs = [...new Set([...c.packages, ...mapped.flatMap((m) => (m.kind === 'packages' ? m.names : []))])];
    if (pkgs.length) {
      tasks.push({ name: `${c.step}: packages ${pkgs.join(', ')}`, 'ansible.builtin.package': { name: pkgs, state: 'present' } });
      sh.push(`# ${c.step}: packages`, `if command -v apt-get >/dev/null; then DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs.map(quoteArg).join(' ')}; else apk add ${pkgs.map(quoteArg).join(' ')}; fi`, '');
    }
    sh.push(`# ---- ${c.step} (experiment ${c.experimentId}) ----`, `changed_${c.step.replace(/[^a-z0-9]/g, '_')}=""`);
    const flag = `changed_${c.step.replace(/[^a-z0-9]/g, '_')}`;
    for (const f of c.files) {
      if (f.content === null) {
        tasks.push({ name: `${c.step}: remove ${f.path}`, 'ansible.builtin.file': { path: f.path, state: 'absent' }, ...(stepHandlers.length ? { notify: stepHandlers } : {}) });
        sh.push(`if [ -e ${quoteArg(f.path)} ]; then rm -f ${quoteArg(f.path)}; ${flag}=1; fi`);
        continue;
      }
      const isSshd = validateSshd && f.path.startsWith('/etc/ssh/');
      tasks.push({
        name: `${c.step}: ${f.path}`,
        'ansible.builtin.copy': {
          dest: f.path,
          // The text came partly from the VM (the lines a plan keeps): Ansible must not template it on the control node.
          content: unsafe(f.content),
          // An existing file keeps its own mode and owner; a new one gets the lab's.
          ...(f.mode ? { mode: f.mode } : {}),
          backup: true,
          ...(isSshd ? { validate: '/usr/sbin/sshd -t -f %s' } : {}),
        },
        ...(stepHandlers.length ? { notify: stepHandlers } : {}),
      });
      const marker = `HARDENLAB_EOF_${Math.abs(hash(f.content)).toString(36)}`;
      if (f.content.includes(marker)) throw new HardenLabError('INTERNAL', `Cannot embed ${f.path} in a shell script.`);
      const body = f.content.endsWith('\n') ? f.content : `${f.content}\n`;
      sh.push(`if [ -n "$(put_file ${quoteArg(f.path)} ${quoteArg(f.mode ?? '0644')} <<'${marker}'\n${body}${marker}\n)" ]; then ${flag}=1; fi`);
      if (!f.content.endsWith('\n')) notes.push(`${f.path}: the shell script adds a final newline the original did not have.`);
      if (isSshd) sh.push(`/usr/sbin/sshd -t || { echo 'sshd rejects the new configuration: restore the .hardenlab-bak file' >&2; exit 1; }`);
    }
    for (const m of mapped) {
      if (m.kind === 'lock-root') {
        tasks.push({ name: `${c.step}: lock the root password`, 'ansible.builtin.user': { name: 'root', password_lock: true } });
        sh.push(`passwd -S root 2>/dev/null | grep -q ' L ' || passwd -l root`);
      }
    }
    const shellCmds = mapped.filter((m) => m.kind === 'service' || m.kind === 'command');
    if (shellCmds.length) {
      sh.push(`if [ -n "$${flag}" ]; then`);
      for (const m of shellCmds) {
        if (m.kind === 'service') sh.push(`  if command -v systemctl >/dev/null; then systemctl ${m.state === 'reloaded' ? 'reload' : 'restart'} ${quoteArg(m.name)}; else rc-service ${quoteArg(m.name)} ${m.state === 'reloaded' ? 'reload' : 'restart'}; fi`);
        else if (m.kind === 'command') sh.push(`  ${shellJoin(m.argv)}${m.optional ? ' || true' : ''}`);
      }
      sh.push('fi');
    }
    sh.push('');
  }
  const byName = new Map<string, Canary>();
  for (const c of changes) for (const k of c.canaries) byName.set(k.name, k);
  const { kept: canaries, notes: canaryNotes } = exportableCanaries([...byName.values()]);
  notes.push(...canaryNotes);
  if (canaries.length) {
    // Handlers (reloads, restarts) first: the canaries judge the host as it will run.
    tasks.push({ name: 'Apply the changes before the canaries run', 'ansible.builtin.meta': 'flush_handlers' }, ...canaryTasks(canaries));
    sh.push(...canaryShell(canaries));
  }
  sh.push('echo "Harden Lab changes are in place."', '');

  const doc = new Document([
    {
      name: `Harden Lab: ${changes.map((c) => c.step).join(', ')}`,
      hosts: 'hardened',
      become: true,
      gather_facts: false,
      tasks,
      ...(handlers.size ? { handlers: [...handlers.values()] } : {}),
    },
  ], { aliasDuplicateObjects: false });
  // yaml prints each comment line after a '#'; on the play list, they come after the '---'.
  doc.contents!.commentBefore = [
    ` Harden Lab: the changes proved on the lab VM "${meta.profile}":`,
    ...changes.map((c) => `   ${c.step} (experiment ${c.experimentId})`),
    ` Generated ${at}. Same file contents as in the lab; idempotent; safe with --check --diff.`,
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

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}
