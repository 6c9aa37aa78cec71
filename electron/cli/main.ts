import { version } from './version';
import { terminalSafe } from './terminal-text';
import { CoreCallError, EXIT, UsageError, exitCodeFor, processIO, type CliIO } from './io';
import { doctorCommand } from './commands/doctor';
import { snapshotCommand, vmCommand } from './commands/vm';
import { profileCommand } from './commands/profile';
import { applyCommand, auditCommand, exportCommand, journalCommand, planCommand, revertCommand, stepsCommand } from './commands/hardening';
import { execCommand, sshCheckCommand } from './commands/ssh';
import { benchCommand } from './commands/bench';
import { canaryCommand } from './commands/canary';
import { policyCommand } from './commands/policy';
import { trialCommand } from './commands/trial';
import { fleetCommand } from './commands/fleet';
import type { Command } from './commands/types';

/**
 * lab and serve import the core (the lab VM, the server) at their top, so they
 * are loaded only when named; their names and summaries are here for the top
 * help (bundle.test.ts checks they match the modules).
 */
export const LAZY_COMMANDS: Record<string, { summary: string; load(): Promise<Command> }> = {
  lab: { summary: 'Build, boot and stop the disposable QEMU lab VM', load: async () => (await import('./commands/lab')).labCommand },
  serve: { summary: 'Browser mode: serve the app on 127.0.0.1 with a one-time token URL', load: async () => (await import('./commands/serve')).serveCommand },
};
const lazy = (name: string): Command => ({ name, summary: LAZY_COMMANDS[name]!.summary, usage: '' });

export const COMMANDS: Command[] = [
  lazy('lab'),
  vmCommand,
  snapshotCommand,
  profileCommand,
  sshCheckCommand,
  execCommand,
  stepsCommand,
  planCommand,
  applyCommand,
  revertCommand,
  journalCommand,
  auditCommand,
  canaryCommand,
  policyCommand,
  trialCommand,
  fleetCommand,
  exportCommand,
  doctorCommand,
  lazy('serve'),
  benchCommand,
];


function helpFor(cmds: Command[], title: string): string {
  const width = Math.max(...cmds.map((c) => c.name.length)) + 2;
  return `${title}\n\nCommands:\n${cmds.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}\n`;
}

const TOP_HELP = () =>
  helpFor(COMMANDS, 'hardenlab: trial host and kernel hardening on a lab VM, with a snapshot to go back to.\n\nUsage: hardenlab COMMAND [options] [--json]') +
  `\nGlobal options:\n  --json      machine-readable output on stdout (progress stays on stderr)\n  --quiet, -q no progress lines on stderr\n  --help, -h  help for any command\n  --version   print the version\n  --trust-host-key SHA256:...  accept this (and only this) unknown host key without asking\n\nExit codes: 0 ok, 1 a check or operation failed, 2 usage or bad input.\n`;

/**
 * Runs one command line and returns the exit code; never calls process.exit,
 * so tests run it in-process.
 */
export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  // --json and --help may appear anywhere before a `--` separator.
  const dash = argv.indexOf('--');
  const head = dash < 0 ? [...argv] : argv.slice(0, dash);
  const tail = dash < 0 ? [] : argv.slice(dash);
  const json = head.includes('--json');
  const quiet = head.includes('--quiet') || head.includes('-q');
  const help = head.includes('--help') || head.includes('-h');
  let trustHostKey: string | undefined;
  const trustAt = head.indexOf('--trust-host-key');
  if (trustAt >= 0) {
    trustHostKey = head[trustAt + 1];
    if (!trustHostKey || !/^SHA256:[A-Za-z0-9+/]{43}$/.test(trustHostKey)) {
      io.err('--trust-host-key needs a fingerprint such as SHA256:abc... (43 characters after the colon).\n');
      return EXIT.USAGE;
    }
    head.splice(trustAt, 2);
  }
  const args = [...head.filter((a) => !['--json', '--help', '-h', '--quiet', '-q'].includes(a)), ...tail];

  if (args[0] === '--version' || args[0] === 'version') {
    io.out(json ? JSON.stringify({ version: version() }) + '\n' : `hardenlab ${version()}\n`);
    return EXIT.OK;
  }
  if (args.length === 0) {
    (help ? io.out : io.err)(TOP_HELP());
    return help ? EXIT.OK : EXIT.USAGE;
  }

  let cmd = COMMANDS.find((c) => c.name === args[0]);
  let rest = args.slice(1);
  if (!cmd) {
    io.err(`Unknown command "${args[0]}".\n\n${TOP_HELP()}`);
    return EXIT.USAGE;
  }
  const loader = LAZY_COMMANDS[cmd.name];
  if (loader) cmd = await loader.load();
  if (cmd.subcommands) {
    const sub = cmd.subcommands.find((c) => c.name === rest[0]);
    if (!sub) {
      const text = helpFor(cmd.subcommands, `Usage: ${cmd.usage}`);
      if (help && rest.length === 0) {
        io.out(text);
        return EXIT.OK;
      }
      io.err(rest[0] === undefined ? text : `Unknown ${cmd.name} command "${rest[0]}".\n\n${text}`);
      return EXIT.USAGE;
    }
    cmd = sub;
    rest = rest.slice(1);
  }
  if (help) {
    io.out(`${cmd.summary}\n\nUsage: ${cmd.usage}\n`);
    return EXIT.OK;
  }

  // Loaded only when a command runs: the core (zod, ssh2, ws) is most of the
  // start-up time, and --version and --help need none of it.
  const { createContext } = await import('./context');
  const ctx = createContext(io, json, version(), trustHostKey, quiet);
  try {
    return await cmd.run!(rest, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      if (json) io.out(JSON.stringify({ ok: false, error: { code: 'USAGE', message: e.message } }) + '\n');
      io.err(`${e.message}\nUsage: ${cmd.usage}\n`);
      return EXIT.USAGE;
    }
    const info = e instanceof CoreCallError ? e.info : (await import('../core/errors')).toErrorInfo(e);
    if (json) io.out(JSON.stringify({ ok: false, error: info }) + '\n');
    io.err(terminalSafe(`Error: ${info.message}\n${info.hint ? `${info.hint}\n` : ''}`));
    return exitCodeFor(info);
  } finally {
    await ctx.dispose();
  }
}
