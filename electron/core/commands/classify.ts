/**
 * What a plan's command means, recognised once for everything that has to
 * understand it: the dead-man's switch (what it can take back), the fleet
 * export (validate, handler, package task) and the rollout. Service names are
 * held to a strict pattern: a name that could carry shell text or a second
 * command is an unknown command, never a service.
 */
export type CommandMeaning =
  | { kind: 'validate-sshd' }
  | { kind: 'service'; manager: 'systemd' | 'openrc'; name: string; action: 'reload' | 'restart' }
  | { kind: 'lock-root' }
  | { kind: 'packages'; names: string[] }
  | { kind: 'other'; argv: string[]; optional: boolean };

export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9@._:-]{0,127}$/;

/** `env VAR=value ... cmd`: the environment does not change what the command is. */
function stripEnv(argv: readonly string[]): string[] {
  let i = 0;
  if (argv[0] === 'env') {
    i = 1;
    while (i < argv.length && /^[A-Z_][A-Z0-9_]*=/.test(argv[i]!)) i++;
  }
  return argv.slice(i);
}

const SYSTEMCTL_RELOAD: Record<string, 'reload' | 'restart'> = { reload: 'reload', restart: 'restart', 'reload-or-restart': 'restart', 'try-reload-or-restart': 'reload' };

export function classifyCommand(raw: readonly string[]): CommandMeaning {
  const argv = stripEnv(raw);
  const [cmd = '', ...rest] = argv;
  if (/(^|\/)sshd$/.test(cmd) && rest.length === 1 && (rest[0] === '-t' || rest[0] === '-T')) return { kind: 'validate-sshd' };
  if (/(^|\/)systemctl$/.test(cmd) && rest.length === 2 && SYSTEMCTL_RELOAD[rest[0]!] && SERVICE_NAME.test(rest[1]!)) return { kind: 'service', manager: 'systemd', name: rest[1]!, action: SYSTEMCTL_RELOAD[rest[0]!]! };
  if (/(^|\/)rc-service$/.test(cmd) && rest.length === 2 && SERVICE_NAME.test(rest[0]!) && (rest[1] === 'reload' || rest[1] === 'restart')) return { kind: 'service', manager: 'openrc', name: rest[0]!, action: rest[1] };
  if ((cmd === 'passwd' && rest.join(' ') === '-l root') || (cmd === 'usermod' && rest.join(' ') === '-L root')) return { kind: 'lock-root' };
  if (cmd === 'apt-get' && rest.includes('install') && !rest.includes('--only-upgrade')) return { kind: 'packages', names: rest.filter((a) => !a.startsWith('-') && a !== 'install') };
  if (cmd === 'apk' && rest[0] === 'add' && !rest.includes('-u')) return { kind: 'packages', names: rest.slice(1).filter((a) => !a.startsWith('-')) };
  return { kind: 'other', argv, optional: cmd === 'modprobe' && rest[0] === '-r' };
}

/** The argv that starts a service again with its (restored) files: reload-or-restart also starts one that died. */
export function restartArgv(s: { manager: 'systemd' | 'openrc'; name: string }): string[] {
  return s.manager === 'systemd' ? ['systemctl', 'reload-or-restart', s.name] : ['rc-service', s.name, 'restart'];
}
