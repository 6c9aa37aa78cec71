import { restoreScript, sleeperScript, type SwitchLayout } from './script';

/**
 * The switch as a playbook or a shell script arms it on a fleet host, where
 * Harden Lab has no session of its own: the backups are taken on the host
 * (its files are its own, not the lab's), systemd or the sleeper is chosen
 * there, and the unit's name is kept in the switch's folder for the disarm.
 * Each is one argv: a fixed program, and the variable parts as arguments.
 */
const ARM = [
  'set -e',
  'd=$0 restore=$1 sleeper=$2 secs=$3 unit=$4',
  'shift 4',
  // A switch an earlier run left armed will still put that run's files back: it must run first.
  'if [ -d "$d" ] && [ ! -e "$d/restored" ]; then',
  '  echo "Harden Lab: an earlier dead-man switch is still armed in $d; let it fire or disarm it first." >&2',
  '  exit 4',
  'fi',
  'rm -rf "$d"',
  'install -d -m 0700 "$d" "$d/files"',
  'printf %s "$restore" > "$d/restore.sh"',
  'printf %s "$sleeper" > "$d/sleeper.sh"',
  'chmod 0700 "$d/restore.sh" "$d/sleeper.sh"',
  'i=0',
  'for p in "$@"; do if [ -e "$p" ]; then cp -p "$p" "$d/files/$i"; fi; i=$((i+1)); done',
  'if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then',
  '  u="$unit-$(date +%s)"',
  '  echo "$u" > "$d/unit"',
  '  systemd-run --quiet --unit="$u" --description="Harden Lab dead-man switch" \\',
  '    --on-active="${secs}s" --timer-property=AccuracySec=1s /bin/sh "$d/restore.sh" timer',
  '  echo "armed: systemd timer $u.timer, $secs s"',
  'else',
  '  setsid /bin/sh "$d/sleeper.sh" </dev/null >/dev/null 2>&1 &',
  '  echo $! > "$d/pid"',
  '  echo "armed: sleeper $!, $secs s"',
  'fi',
].join('\n');

export function armOnHostArgv(l: SwitchLayout, o: { paths: readonly string[]; restart: readonly string[][]; deadlineS: number; armedBy: string }): string[] {
  const restore = restoreScript(l, o.paths.map((path) => ({ path, was: 'on-host' as const })), o.restart, { deadlineS: o.deadlineS, armedAt: `by ${o.armedBy}` });
  return ['sh', '-c', ARM, l.dir, restore, sleeperScript(l, o.deadlineS), String(Math.round(o.deadlineS)), l.unit, ...o.paths];
}

const STOP = '[ -f "$0/unit" ] && systemctl stop "$(cat "$0/unit").timer" >/dev/null 2>&1; [ -f "$0/pid" ] && kill "$(cat "$0/pid")" 2>/dev/null;';

/** Exit 0: disarmed, it will never fire. Exit 3: it had already started putting the files back. */
export function disarmOnHostArgv(l: SwitchLayout): string[] {
  return ['sh', '-c', `mkdir "$0/running" 2>/dev/null || exit 3; touch "$0/disarmed"; ${STOP} rm -rf "$0"; exit 0`, l.dir];
}

/** Fires it now, detached (a restart of sshd must not take this session's command with it). */
export function fireOnHostArgv(l: SwitchLayout): string[] {
  return ['sh', '-c', '[ -d "$0" ] || exit 0; if [ -f "$0/unit" ]; then systemd-run --quiet --unit="$(cat "$0/unit")-now" /bin/sh "$0/restore.sh" engine; else setsid /bin/sh "$0/restore.sh" engine </dev/null >/dev/null 2>&1 & fi', l.dir];
}

/** After its work is read: the pending timer, the sleeper and the folder go. */
export function removeOnHostArgv(l: SwitchLayout): string[] {
  return ['sh', '-c', `${STOP} rm -rf "$0"; exit 0`, l.dir];
}
