import { z } from 'zod';
import { nameSchema, NAME_PATTERNS } from './names';
import { shellJoin } from './quote';

/**
 * A canary says "this host still does its job": a check the operator keeps
 * with a connection profile, run before every change (the baseline) and
 * again in its verify. Every field that reaches the VM is either matched
 * against a strict pattern or passed as one argv element (shared/quote.ts
 * quotes it); nothing a person types is pasted into a shell line.
 */
export const CANARY_KINDS = ['command', 'tcp', 'http', 'service', 'container'] as const;
export type CanaryKind = (typeof CANARY_KINDS)[number];

/** The fresh SSH login with elevation every profile has, shown beside the operator's own canaries. */
export const LOGIN_CANARY = 'ssh-login';

const named = nameSchema;

export const CanaryNameSchema = named('canary').refine((v) => v !== LOGIN_CANARY, `"${LOGIN_CANARY}" is the built-in login canary; choose another name.`);

const Arg = z
  .string()
  .max(4096)
  .refine((a) => !a.includes('\0'), 'An argument cannot contain a NUL byte.');
const Argv = z.array(Arg).min(1, 'Give the command to run after --.').max(64);

/** A regular expression the operator gives (stdout or body); checked here so a bad one is refused when saved, not when the canary runs. */
const Pattern = z
  .string()
  .min(1)
  .max(500)
  .superRefine((v, ctx) => {
    try {
      new RegExp(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a valid regular expression: ${(e as Error).message}` });
    }
  });

const TimeoutSec = z.number().int().min(1).max(600).default(30);
const Port = z.number().int().min(1).max(65535);
const Description = z.string().max(300).optional();

const HttpUrl = z
  .string()
  .max(2000)
  .superRefine((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a URL.` });
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'Only http:// and https:// URLs can be checked.' });
    if (!NAME_PATTERNS.host.test(u.hostname)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(u.hostname)} is not a host name or an IP address.` });
    if (/[\s\0]/.test(v)) ctx.addIssue({ code: 'custom', message: 'A URL cannot contain spaces or control characters.' });
  });

export const CanarySchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('command'),
      name: CanaryNameSchema,
      description: Description,
      argv: Argv,
      /** Run as root (sudo or doas), not as the login user. */
      elevated: z.boolean().default(false),
      expectExit: z.number().int().min(0).max(255).default(0),
      stdoutMatch: Pattern.optional(),
      timeoutSec: TimeoutSec,
    })
    .strict(),
  z
    .object({
      kind: z.literal('tcp'),
      name: CanaryNameSchema,
      description: Description,
      host: named('host').default('127.0.0.1'),
      port: Port,
      /** "vm": the connection is opened inside the VM; "host": from this machine (a forwarded port). */
      from: z.enum(['vm', 'host']).default('vm'),
      timeoutSec: TimeoutSec,
    })
    .strict(),
  z
    .object({
      kind: z.literal('http'),
      name: CanaryNameSchema,
      description: Description,
      url: HttpUrl,
      expectStatus: z.number().int().min(100).max(599).default(200),
      bodyMatch: Pattern.optional(),
      timeoutSec: TimeoutSec,
    })
    .strict(),
  z
    .object({
      kind: z.literal('service'),
      name: CanaryNameSchema,
      description: Description,
      unit: named('unit'),
      timeoutSec: TimeoutSec,
    })
    .strict(),
  z
    .object({
      kind: z.literal('container'),
      name: CanaryNameSchema,
      description: Description,
      engine: z.enum(['docker', 'podman']).default('docker'),
      /** A container that must be running ... */
      container: named('container').optional(),
      /** ... or a local image that `run --rm` must run successfully (never pulled: no registry is assumed). */
      image: named('image').optional(),
      argv: z.array(Arg).max(64).default([]),
      timeoutSec: TimeoutSec,
    })
    .strict()
    .superRefine((c, ctx) => {
      if ((c.container === undefined) === (c.image === undefined)) ctx.addIssue({ code: 'custom', message: 'A container canary names either a running container (--container) or a local image to run (--image), not both.' });
      if (c.container !== undefined && c.argv.length > 0) ctx.addIssue({ code: 'custom', message: 'A command (after --) belongs to an --image canary, not to a running --container.' });
    }),
]);
export type Canary = z.output<typeof CanarySchema>;
export type CanaryInput = z.input<typeof CanarySchema>;

/** One run of one canary. */
export const CanaryResultSchema = z.object({
  name: z.string(),
  kind: z.enum([...CANARY_KINDS, 'login']),
  ok: z.boolean(),
  evidence: z.string(),
  durationMs: z.number(),
});
export type CanaryResult = z.infer<typeof CanaryResultSchema>;

const Run = z.object({ ok: z.boolean(), evidence: z.string() });

/**
 * A canary across a change: "held" and "broke" decide the verdict;
 * "already-failing" failed before anything changed and is left out of it
 * (reported, not blamed on the change); "recovered" failed before and passes after.
 */
export const CanaryVerdictSchema = z.enum(['held', 'broke', 'already-failing', 'recovered', 'broke-after-reboot', 'not-run']);
export type CanaryVerdict = z.infer<typeof CanaryVerdictSchema>;

export const CanaryComparisonSchema = z.object({
  name: z.string(),
  kind: z.enum([...CANARY_KINDS, 'login']),
  before: Run,
  after: Run.nullable(),
  afterReboot: Run.nullable().optional(),
  verdict: CanaryVerdictSchema,
  /** The operator's definition, so an export of the experiment carries the same check to other hosts. */
  definition: CanarySchema.optional(),
});
export type CanaryComparison = z.infer<typeof CanaryComparisonSchema>;

/** A one-line description of what a canary checks, for lists and reports. */
export function describeCanary(c: Canary): string {
  switch (c.kind) {
    case 'command':
      return `${c.elevated ? 'as root: ' : ''}${shellJoin(c.argv)} exits ${c.expectExit}${c.stdoutMatch ? ` and prints /${c.stdoutMatch}/` : ''}`;
    case 'tcp':
      return `${c.host}:${c.port} accepts a TCP connection (from ${c.from === 'vm' ? 'inside the VM' : 'this machine'})`;
    case 'http':
      return `${c.url} answers ${c.expectStatus}${c.bodyMatch ? ` with /${c.bodyMatch}/ in the body` : ''}`;
    case 'service':
      return `the service ${c.unit} is active`;
    case 'container':
      return c.container ? `the ${c.engine} container ${c.container} is running` : `${c.engine} run --rm ${c.image}${c.argv.length ? ` ${shellJoin(c.argv)}` : ''} succeeds`;
  }
}
