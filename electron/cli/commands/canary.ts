import { describeCanary, LOGIN_CANARY, type CanaryResult } from '../../../shared/canary';
import { noExtraPositionals, parse, requireString } from '../args';
import { EXIT, UsageError } from '../io';
import type { Command } from './types';

const profileOpt = { profile: { type: 'string' as const, short: 'p' } };

const addOpts = {
  ...profileOpt,
  kind: { type: 'string' as const, default: 'command' },
  description: { type: 'string' as const },
  replace: { type: 'boolean' as const },
  timeout: { type: 'string' as const },
  // command
  elevated: { type: 'boolean' as const },
  'expect-exit': { type: 'string' as const },
  stdout: { type: 'string' as const },
  // tcp
  host: { type: 'string' as const },
  port: { type: 'string' as const },
  from: { type: 'string' as const },
  // http
  url: { type: 'string' as const },
  status: { type: 'string' as const },
  body: { type: 'string' as const },
  // service
  unit: { type: 'string' as const },
  // container
  engine: { type: 'string' as const },
  container: { type: 'string' as const },
  image: { type: 'string' as const },
};

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value)) throw new UsageError(`${flag} takes a whole number, not ${JSON.stringify(value)}.`);
  return Number(value);
}

/** The argv after `--` is taken as it is: every element reaches the VM as one argument, metacharacters included. */
function splitArgv(args: string[]): { flags: string[]; argv: string[] } {
  const i = args.indexOf('--');
  return i < 0 ? { flags: args, argv: [] } : { flags: args.slice(0, i), argv: args.slice(i + 1) };
}

/** The canary as typed; the core parses it with the one schema (shared/canary.ts) and says what is wrong. */
export function canaryFromFlags(name: string, v: Record<string, string | boolean | undefined>, argv: string[]): Record<string, unknown> {
  const s = (k: string) => v[k] as string | undefined;
  const out: Record<string, unknown> = { kind: s('kind') ?? 'command', name };
  const set = (key: string, value: unknown) => value !== undefined && (out[key] = value);
  set('description', s('description'));
  set('timeoutSec', int(s('timeout'), '--timeout'));
  switch (out.kind) {
    case 'command':
      out.argv = argv;
      set('elevated', v.elevated === true ? true : undefined);
      set('expectExit', int(s('expect-exit'), '--expect-exit'));
      set('stdoutMatch', s('stdout'));
      break;
    case 'tcp':
      set('host', s('host'));
      set('port', int(s('port'), '--port'));
      set('from', s('from'));
      break;
    case 'http':
      set('url', s('url'));
      set('expectStatus', int(s('status'), '--status'));
      set('bodyMatch', s('body'));
      break;
    case 'service':
      set('unit', s('unit'));
      break;
    case 'container':
      set('engine', s('engine'));
      set('container', s('container'));
      set('image', s('image'));
      if (argv.length) out.argv = argv;
      break;
  }
  // A flag that belongs to another kind is a mistake worth saying, not something to drop.
  const used = new Set(['kind', 'description', 'timeout', 'profile', 'replace', ...Object.keys(FLAGS_OF[out.kind as string] ?? {})]);
  const stray = Object.keys(v).filter((k) => v[k] !== undefined && !used.has(k));
  if (stray.length && FLAGS_OF[out.kind as string]) throw new UsageError(`--${stray[0]} does not apply to a ${String(out.kind)} canary.`);
  if (argv.length && out.kind !== 'command' && out.kind !== 'container') throw new UsageError(`A ${String(out.kind)} canary takes no command after --.`);
  return out;
}

const FLAGS_OF: Record<string, Record<string, true>> = {
  command: { elevated: true, 'expect-exit': true, stdout: true },
  tcp: { host: true, port: true, from: true },
  http: { url: true, status: true, body: true },
  service: { unit: true },
  container: { engine: true, container: true, image: true },
};

function resultLine(r: CanaryResult): string {
  return `${r.ok ? 'pass' : 'FAIL'}  ${r.name.padEnd(24)} ${r.evidence}`;
}

export const canaryCommand: Command = {
  name: 'canary',
  summary: 'Canaries: checks that say "this host still does its job", run before and after every change',
  usage: 'hardenlab canary add|list|remove|run [...]',
  subcommands: [
    {
      name: 'add',
      summary: 'Add a canary to a profile',
      usage:
        'hardenlab canary add NAME --profile P [--kind command|tcp|http|service|container] [--timeout SEC] [--description TEXT] [--replace]\n' +
        '  command:   [--elevated] [--expect-exit N] [--stdout REGEX] -- ARGV...\n' +
        '  tcp:       --port N [--host H] [--from vm|host]\n' +
        '  http:      --url URL [--status N] [--body REGEX]\n' +
        '  service:   --unit NAME\n' +
        '  container: [--engine docker|podman] (--container NAME | --image IMAGE [-- ARGV...])',
      async run(args, ctx) {
        const { flags, argv } = splitArgv(args);
        const { values, positionals } = parse(flags, addOpts);
        noExtraPositionals(positionals, 1, this.usage);
        const name = requireString(positionals[0], 'A canary NAME');
        const profile = requireString(values.profile, '--profile');
        const canary = canaryFromFlags(name, values, argv);
        const r = await ctx.invoke('canaries.save', { profile, canary, replace: values.replace === true });
        ctx.print(r, () => `Added the canary "${r.canary.name}" to ${profile}: ${describeCanary(r.canary)}.`);
        return EXIT.OK;
      },
    },
    {
      name: 'list',
      summary: "A profile's canaries",
      usage: 'hardenlab canary list --profile P [--json]',
      async run(args, ctx) {
        const { values, positionals } = parse(args, profileOpt);
        noExtraPositionals(positionals, 0, this.usage);
        const r = await ctx.invoke('canaries.list', { profile: requireString(values.profile, '--profile') });
        ctx.print(r, () =>
          [`${LOGIN_CANARY.padEnd(24)} login      a fresh SSH login with elevation (built in)`, ...r.canaries.map((c) => `${c.name.padEnd(24)} ${c.kind.padEnd(10)} ${describeCanary(c)}`)].join('\n'),
        );
        return EXIT.OK;
      },
    },
    {
      name: 'remove',
      summary: 'Remove a canary from a profile',
      usage: 'hardenlab canary remove NAME --profile P',
      async run(args, ctx) {
        const { values, positionals } = parse(args, profileOpt);
        noExtraPositionals(positionals, 1, this.usage);
        const name = requireString(positionals[0], 'A canary NAME');
        const profile = requireString(values.profile, '--profile');
        const r = await ctx.invoke('canaries.remove', { profile, name });
        if (!r.removed) throw new UsageError(`${profile} has no canary "${name}".`);
        ctx.print(r, () => `Removed the canary "${name}" from ${profile}.`);
        return EXIT.OK;
      },
    },
    {
      name: 'run',
      summary: "Run a profile's canaries now (exit 1 when one fails)",
      usage: 'hardenlab canary run --profile P [NAME...] [--json]',
      async run(args, ctx) {
        const { values, positionals } = parse(args, profileOpt);
        const r = await ctx.invoke('canaries.run', { profile: requireString(values.profile, '--profile'), ...(positionals.length ? { names: positionals } : {}) });
        ctx.print(r, () => r.results.map(resultLine).join('\n'));
        return r.results.every((x) => x.ok) ? EXIT.OK : EXIT.FAILED;
      },
    },
  ],
};
