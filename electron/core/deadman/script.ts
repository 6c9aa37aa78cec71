import { quoteArg, shellJoin } from '../../../shared/quote';
import type { Guard } from './guard';

/**
 * The switch inside the guest, as data: a restore script, and the argv that
 * arm, disarm and fire it. systemd guests get a transient timer of PID 1
 * (`systemd-run --on-active`), others a detached sleeper; either outlives the
 * SSH session and sshd itself. One lock (`mkdir running`) decides between
 * the switch firing and Harden Lab disarming it, so exactly one of them wins.
 */
export type Manager = 'systemd' | 'sleeper';

export const DEADMAN_ROOT = '/var/lib/hardenlab/deadman';
const ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

export interface SwitchLayout {
  id: string;
  dir: string;
  unit: string;
  script: string;
  sleeper: string;
  backup(i: number): string;
}

/** `root` is for tests on this machine; on a guest it is always DEADMAN_ROOT. */
export function layoutOf(id: string, root: string = DEADMAN_ROOT): SwitchLayout {
  if (!ID.test(id)) throw new Error(`not a switch id: ${id.slice(0, 70)}`);
  const dir = `${root}/${id}`;
  return { id, dir, unit: `hardenlab-deadman-${id}`, script: `${dir}/restore.sh`, sleeper: `${dir}/sleeper.sh`, backup: (i) => `${dir}/files/${i}` };
}

/**
 * A file the restore script puts back. 'file': its backup is at backup(i);
 * 'absent': the change created it, so it goes; 'on-host': the arm decided on
 * the host itself (a fleet host's files are its own, not the lab's): a backup
 * when the file existed, else it goes.
 */
export interface RestoreFile {
  path: string;
  was: 'file' | 'absent' | 'on-host';
  mode?: string;
}

export function restoreFilesOf(guard: Pick<Guard, 'files'>): RestoreFile[] {
  return guard.files.map((f) => ({ path: f.path, was: f.before === null ? 'absent' : 'file', ...(f.mode ? { mode: f.mode } : {}) }));
}

/** The restore script: run once by whoever takes the lock first, as root; it records who ran it and whether every part worked. */
export function restoreScript(l: SwitchLayout, files: readonly RestoreFile[], restart: readonly string[][], o: { deadlineS: number; armedAt: string }): string {
  const lines = [
    '#!/bin/sh',
    `# Harden Lab's dead-man's switch ${l.id}, armed ${o.armedAt} for ${o.deadlineS} s.`,
    '# Puts back the files the change wrote and restarts what it reloaded, unless',
    '# Harden Lab proved the change with a fresh login and disarmed it first.',
    `d=${quoteArg(l.dir)}`,
    '[ -e "$d/disarmed" ] && exit 0',
    '# The lock: Harden Lab takes the same one to disarm, so only one side ever acts.',
    'mkdir "$d/running" 2>/dev/null || exit 0',
    'by=${1:-timer}',
    'failed=0',
    'put() {',
    '  if [ -n "$3" ]; then',
    '    cp "$1" "$2.hl-deadman" && chmod "$3" "$2.hl-deadman" && mv -f "$2.hl-deadman" "$2" || failed=1',
    '  elif [ -e "$2" ]; then',
    '    cat "$1" > "$2" || failed=1',
    '  else',
    '    cp "$1" "$2" || failed=1',
    '  fi',
    '}',
  ];
  files.forEach((f, i) => {
    const back = `put ${quoteArg(l.backup(i))} ${quoteArg(f.path)} ${quoteArg(f.mode ?? '')}`;
    if (f.was === 'absent') lines.push(`rm -f ${quoteArg(f.path)} || failed=1`);
    else if (f.was === 'file') lines.push(back);
    else lines.push(`if [ -e ${quoteArg(l.backup(i))} ]; then`, `  ${back}`, 'else', `  rm -f ${quoteArg(f.path)} || failed=1`, 'fi');
  });
  for (const argv of restart) lines.push(`${shellJoin(argv)} || failed=1`);
  lines.push('printf \'%s %s %s\\n\' "$by" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$failed" > "$d/restored"', '');
  return lines.join('\n');
}

export function sleeperScript(l: SwitchLayout, deadlineS: number): string {
  return ['#!/bin/sh', `sleep ${Math.round(deadlineS)}`, `exec /bin/sh ${quoteArg(l.script)} timer`, ''].join('\n');
}

/** Prints "systemd" when PID 1 is systemd and systemd-run exists, else "sleeper". */
export const DETECT_MANAGER = ['sh', '-c', 'if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then echo systemd; else echo sleeper; fi'];

export function armArgv(l: SwitchLayout, manager: Manager, deadlineS: number): string[] {
  if (manager === 'systemd') {
    return ['systemd-run', '--quiet', `--unit=${l.unit}`, `--description=Harden Lab dead-man's switch (experiment ${l.id})`, `--on-active=${Math.round(deadlineS)}s`, '--timer-property=AccuracySec=1s', '/bin/sh', l.script, 'timer'];
  }
  return ['sh', '-c', 'setsid /bin/sh "$0" </dev/null >/dev/null 2>&1 & echo $! > "$1"', l.sleeper, `${l.dir}/pid`];
}

/** Fires the switch now, detached from this session (the change failed and the engine still reaches the guest). */
export function fireArgv(l: SwitchLayout, manager: Manager): string[] {
  if (manager === 'systemd') return ['systemd-run', '--quiet', `--unit=${l.unit}-now`, '/bin/sh', l.script, 'engine'];
  return ['sh', '-c', 'setsid /bin/sh "$0" engine </dev/null >/dev/null 2>&1 &', l.script];
}

/**
 * Disarms: takes the lock (exit 0), then stops the timer or the sleeper and
 * removes the switch. Exit 3: the switch had already taken the lock, so it
 * has run or is running: the change is being undone.
 */
export function disarmArgv(l: SwitchLayout, manager: Manager): string[] {
  const stop = manager === 'systemd' ? `systemctl stop ${quoteArg(`${l.unit}.timer`)} >/dev/null 2>&1` : '[ -f "$0/pid" ] && kill "$(cat "$0/pid")" 2>/dev/null';
  return ['sh', '-c', `mkdir "$0/running" 2>/dev/null || exit 3; touch "$0/disarmed"; ${stop}; rm -rf "$0"; exit 0`, l.dir];
}

/** After a switch fired and its work was proved: its timer (still pending when Harden Lab fired it early) and its folder go. */
export function removeArgv(l: SwitchLayout, manager: Manager): string[] {
  const stop = manager === 'systemd' ? `systemctl stop ${quoteArg(`${l.unit}.timer`)} >/dev/null 2>&1; ` : '[ -f "$0/pid" ] && kill "$(cat "$0/pid")" 2>/dev/null; ';
  return ['sh', '-c', `${stop}rm -rf "$0"; exit 0`, l.dir];
}

/** What `restored` says: who ran the switch, when, and whether every part of it worked. */
export function parseRestored(text: string | null): { by: 'timer' | 'engine'; at: string; ok: boolean } | null {
  const m = /^(timer|engine) (\S+) ([01])\s*$/.exec(text ?? '');
  return m ? { by: m[1] as 'timer' | 'engine', at: m[2]!, ok: m[3] === '0' } : null;
}
