import { z } from 'zod';
import type { ChannelName, EventName } from './channels';
import { ProfileNameSchema, ProfileSchema } from './profile';
import { NAME_PATTERNS } from './names';
import { CanaryResultSchema, CanarySchema } from './canary';
import { FleetHostSchema, FleetRunSchema } from './fleet';
import { BisectionSchema, PolicyDetailSchema, PolicySchema, TrialComparisonSchema, TrialPlanSchema, UnitSchema } from './policy';
import {
  ApplyResultSchema,
  AuditReportSchema,
  ConnectResultSchema,
  ConnectionStateSchema,
  type ErrorInfoSchema,
  ExperimentSchema,
  HostKeyDecisionSchema,
  LabInfoSchema,
  LoadedModuleSchema,
  PlanSchema,
  SnapshotListSchema,
  SnapshotSchema,
  StepInfoSchema,
  ToolCheckSchema,
  VmInfoSchema,
  HypervisorKindSchema,
} from './domain';

/**
 * The one API contract. Every door (Electron IPC, the browser-mode WebSocket,
 * the CLI) validates requests with `req` before a handler runs and replies
 * with `res`. Request objects are strict: unknown keys are an error, so a typo
 * in a caller fails loudly instead of being ignored.
 */

/** Correlates progress events with the request that started a long operation. */
const OpId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });
const SnapshotRef = z.string().min(1).max(200);
const StepId = z.string().regex(NAME_PATTERNS.step, 'Unknown step id.');
const TerminalId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const Secret = z.string().max(4096);
const PolicyName = z.string().regex(NAME_PATTERNS.policy, 'Policy names use lower-case letters, digits and dash (at most 40).');

const FleetRequest = z
  .object({
    profile: ProfileNameSchema,
    experimentId: z.string().min(1).max(100),
    /** The experiment must be a trial (`--trial`). */
    trial: z.boolean().default(false),
    /** A path on the machine that runs Harden Lab: an INI or YAML inventory. */
    inventory: z.string().min(1).max(4096),
    limit: z.string().min(1).max(200).optional(),
    /** "1,50%,100%": host counts or percentages, as Ansible's serial. */
    batches: z.string().min(1).max(100).optional(),
    deadlineS: z.number().int().min(30).max(3600).optional(),
    opId: OpId.optional(),
  })
  .strict();

function ch<Req extends z.ZodType, Res extends z.ZodType>(req: Req, res: Res) {
  return { req, res };
}

export const contract = {
  'app.info': ch(
    Empty,
    z.object({
      name: z.string(),
      version: z.string(),
      door: z.enum(['electron', 'browser', 'cli']),
      platform: z.string(),
      dataDir: z.string(),
      features: z.array(z.string()),
      /** Whether the secret prompt may offer "remember", and if not, why (shown to the user). */
      remember: z.object({ available: z.boolean(), reason: z.string().optional() }).optional(),
    }),
  ),
  'app.doctor': ch(Empty, z.object({ tools: z.array(ToolCheckSchema), kvm: z.object({ usable: z.boolean(), detail: z.string() }) })),

  'profiles.list': ch(Empty, z.object({ profiles: z.array(ProfileSchema) })),
  'profiles.save': ch(
    z
      .object({
        profile: ProfileSchema,
        /** A password or key passphrase typed by the user; kept only if `remember` and the OS keychain is available. */
        secret: z.object({ kind: z.enum(['password', 'passphrase']), value: Secret, remember: z.boolean() }).strict().optional(),
      })
      .strict(),
    z.object({ profile: ProfileSchema, secretStored: z.boolean() }),
  ),
  'profiles.delete': ch(z.object({ name: ProfileNameSchema }).strict(), z.object({ deleted: z.boolean() })),
  'profiles.importSshConfig': ch(
    z.object({ host: z.string().max(200).optional() }).strict(),
    z.object({ candidates: z.array(ProfileSchema) }),
  ),

  'ssh.connect': ch(
    z
      .object({
        profile: ProfileNameSchema,
        opId: OpId.optional(),
        /** Asked for when the profile has no stored secret; never stored unless the profile save asked for it. */
        password: Secret.optional(),
        passphrase: Secret.optional(),
      })
      .strict(),
    ConnectResultSchema,
  ),
  'ssh.disconnect': ch(z.object({ profile: ProfileNameSchema }).strict(), Ok),
  'ssh.status': ch(
    Empty,
    z.object({ connections: z.array(z.object({ profile: z.string(), state: ConnectionStateSchema, since: z.string() })) }),
  ),
  'ssh.hostKeyAnswer': ch(z.object({ promptId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), decision: HostKeyDecisionSchema }).strict(), Ok),
  'ssh.forgetHostKey': ch(
    z.object({ host: z.string().regex(NAME_PATTERNS.host), port: z.number().int().min(1).max(65535) }).strict(),
    z.object({ removed: z.number().int() }),
  ),

  'vm.list': ch(z.object({ hypervisor: HypervisorKindSchema.optional() }).strict(), z.object({ vms: z.array(VmInfoSchema), unavailable: z.array(z.object({ hypervisor: HypervisorKindSchema, reason: z.string() })) })),
  'vm.state': ch(z.object({ profile: ProfileNameSchema }).strict(), VmInfoSchema),

  'snapshots.list': ch(z.object({ profile: ProfileNameSchema }).strict(), SnapshotListSchema),
  'snapshots.take': ch(
    z
      .object({
        profile: ProfileNameSchema,
        name: z.string().regex(NAME_PATTERNS.snapshot, 'Snapshot names use letters, digits, space, dot, dash, underscore, colon and + (at most 80).'),
        description: z.string().max(2000).optional(),
        opId: OpId.optional(),
      })
      .strict(),
    z.object({ snapshot: SnapshotSchema }),
  ),
  'snapshots.restore': ch(
    z.object({ profile: ProfileNameSchema, snapshot: SnapshotRef, opId: OpId.optional() }).strict(),
    z.object({ snapshot: SnapshotSchema, reconnected: z.boolean(), durationMs: z.number() }),
  ),
  'snapshots.delete': ch(z.object({ profile: ProfileNameSchema, snapshot: SnapshotRef }).strict(), Ok),

  'steps.list': ch(Empty, z.object({ steps: z.array(StepInfoSchema) })),
  'steps.plan': ch(
    z.object({ profile: ProfileNameSchema, step: StepId, options: z.record(z.string(), z.unknown()).optional(), opId: OpId.optional() }).strict(),
    z.object({ plan: PlanSchema }),
  ),
  'steps.apply': ch(
    z
      .object({
        profile: ProfileNameSchema,
        planId: z.string().min(1).max(100),
        confirmWarnings: z.boolean().default(false),
        /** After verify passes: reboot, then run the step's checks and the canaries again. */
        proveReboot: z.boolean().default(false),
        opId: OpId.optional(),
      })
      .strict(),
    z.object({ result: ApplyResultSchema }),
  ),
  /** The loaded kernel modules with who uses them and what they are (the modules view). */
  'modules.loaded': ch(z.object({ profile: ProfileNameSchema }).strict(), z.object({ modules: z.array(LoadedModuleSchema) })),
  'revert.experiment': ch(
    z.object({ profile: ProfileNameSchema, experimentId: z.string().max(100).optional(), opId: OpId.optional() }).strict(),
    z.object({ experiment: ExperimentSchema, durationMs: z.number() }),
  ),

  'journal.list': ch(z.object({ profile: ProfileNameSchema.optional() }).strict(), z.object({ experiments: z.array(ExperimentSchema), open: z.array(z.string()) })),
  'journal.resolve': ch(z.object({ profile: ProfileNameSchema, experimentId: z.string().max(100) }).strict(), Ok),
  'journal.export': ch(
    z.object({ profile: ProfileNameSchema, experimentId: z.string().max(100).optional(), format: z.enum(['markdown', 'html', 'ansible', 'shell']) }).strict(),
    /** `inventory`: with the Ansible playbook, an example inventory for the lab host, to copy beside it. */
    z.object({
      fileName: z.string(),
      content: z.string(),
      mime: z.string(),
      inventory: z.string().optional(),
      /** Fleet exports: what did not travel and why (a canary of a lab port forward, a change planned before plans carried proofs...). */
      notes: z.array(z.string()).optional(),
    }),
  ),

  'audit.run': ch(z.object({ profile: ProfileNameSchema, opId: OpId.optional() }).strict(), AuditReportSchema),

  /** The canaries kept with a profile ("this host still does its job"), run before and after every change. */
  'canaries.list': ch(z.object({ profile: ProfileNameSchema }).strict(), z.object({ canaries: z.array(CanarySchema) })),
  /** Adds a canary (or replaces the one of the same name when `replace`); the canary is parsed by the same schema everywhere. */
  'canaries.save': ch(z.object({ profile: ProfileNameSchema, canary: z.unknown(), replace: z.boolean().default(false) }).strict(), z.object({ canary: CanarySchema })),
  'canaries.remove': ch(z.object({ profile: ProfileNameSchema, name: z.string().max(100) }).strict(), z.object({ removed: z.boolean() })),
  /** Runs the built-in login canary and every canary of the profile now (or only the named ones). */
  'canaries.run': ch(
    z.object({ profile: ProfileNameSchema, names: z.array(z.string().max(100)).max(100).optional(), opId: OpId.optional() }).strict(),
    z.object({ profile: z.string(), at: z.string(), results: z.array(CanaryResultSchema) }),
  ),

  /** Policies: whole baselines as data (the built-in ones and the operator's). */
  'policies.list': ch(Empty, z.object({ policies: z.array(z.object({ policy: PolicySchema, builtIn: z.boolean(), units: z.array(z.string()) })) })),
  'policies.show': ch(z.object({ name: PolicyName }).strict(), PolicyDetailSchema),
  /** Saves a tailored policy (parsed and checked against the steps; a built-in name is refused). */
  'policies.save': ch(z.object({ policy: z.unknown(), replace: z.boolean().default(false) }).strict(), z.object({ policy: PolicySchema, changed: z.boolean() })),
  /** A policy file's text, JSON or YAML. */
  'policies.import': ch(z.object({ text: z.string().max(256 * 1024), replace: z.boolean().default(false) }).strict(), z.object({ policy: PolicySchema, changed: z.boolean() })),
  'policies.export': ch(z.object({ name: PolicyName, format: z.enum(['json', 'yaml']).default('yaml') }).strict(), z.object({ fileName: z.string(), content: z.string(), mime: z.string() })),
  'policies.remove': ch(z.object({ name: PolicyName }).strict(), z.object({ removed: z.boolean() })),

  /** The combined preview of a whole policy; `from` restores that snapshot first and starts from it. */
  'trials.plan': ch(
    z.object({ profile: ProfileNameSchema, policy: PolicyName, without: z.array(UnitSchema).max(200).default([]), from: SnapshotRef.optional(), opId: OpId.optional() }).strict(),
    z.object({ plan: TrialPlanSchema }),
  ),
  'trials.run': ch(
    z.object({ profile: ProfileNameSchema, planId: z.string().min(1).max(100), confirmWarnings: z.boolean().default(false), proveReboot: z.boolean().default(false), opId: OpId.optional() }).strict(),
    z.object({ result: ApplyResultSchema }),
  ),
  /** Finds the culprit of a failed trial (the last one when no id is given); the VM ends at the trial's baseline. */
  'trials.bisect': ch(
    z.object({ profile: ProfileNameSchema, experimentId: z.string().max(100).optional(), proveReboot: z.boolean().default(false), opId: OpId.optional() }).strict(),
    z.object({ bisection: BisectionSchema }),
  ),
  'trials.compare': ch(
    z.object({ profile: ProfileNameSchema, experimentIds: z.array(z.string().max(100)).min(2).max(8), format: z.enum(['json', 'markdown', 'html']).default('json') }).strict(),
    z.object({ comparison: TrialComparisonSchema, report: z.object({ fileName: z.string(), content: z.string(), mime: z.string() }).optional() }),
  ),

  /** `ansible-playbook --check --diff` of a proven experiment (or trial) on every host of the inventory's [hardened] group. */
  'fleet.plan': ch(FleetRequest, z.object({ run: FleetRunSchema })),
  /** The staged rollout: serial batches, max_fail_percentage 0; each host's row comes live as a `fleet.host` event. */
  'fleet.rollout': ch(FleetRequest, z.object({ run: FleetRunSchema })),

  'lab.list': ch(Empty, z.object({ labs: z.array(LabInfoSchema) })),
  'lab.up': ch(z.object({ name: ProfileNameSchema.default('lab'), opId: OpId.optional() }).strict(), LabInfoSchema),
  'lab.down': ch(z.object({ name: ProfileNameSchema }).strict(), Ok),

  'terminal.open': ch(
    z.object({ profile: ProfileNameSchema, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) }).strict(),
    z.object({ terminalId: TerminalId }),
  ),
  'terminal.write': ch(z.object({ terminalId: TerminalId, data: z.string().max(65536) }).strict(), Ok),
  'terminal.resize': ch(z.object({ terminalId: TerminalId, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) }).strict(), Ok),
  /** The renderer has drawn this many characters of a terminal's output (xterm.js write callback): flow control. */
  'terminal.ack': ch(z.object({ terminalId: TerminalId, chars: z.number().int().min(0).max(16 * 1024 * 1024) }).strict(), Ok),
  'terminal.close': ch(z.object({ terminalId: TerminalId }).strict(), Ok),

  'op.cancel': ch(z.object({ opId: OpId }).strict(), z.object({ cancelled: z.boolean() })),
} satisfies Record<ChannelName, { req: z.ZodType; res: z.ZodType }>;

export const ProgressEventSchema = z.object({
  opId: z.string(),
  phase: z.string(),
  message: z.string(),
  percent: z.number().min(0).max(100).optional(),
  level: z.enum(['info', 'warn', 'error']).default('info'),
  at: z.string(),
});
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;

export const HostKeyPromptSchema = z.object({
  promptId: z.string(),
  profile: z.string().optional(),
  host: z.string(),
  port: z.number().int(),
  keyType: z.string(),
  fingerprint: z.string(),
  expiresAt: z.string(),
});
export type HostKeyPrompt = z.infer<typeof HostKeyPromptSchema>;

export const eventContract = {
  progress: ProgressEventSchema,
  'hostKey.prompt': HostKeyPromptSchema,
  'hostKey.resolved': z.object({ promptId: z.string(), decision: HostKeyDecisionSchema }),
  'connection.state': z.object({ profile: z.string(), state: ConnectionStateSchema, message: z.string().optional() }),
  'terminal.data': z.object({ terminalId: z.string(), data: z.string() }),
  'terminal.exit': z.object({ terminalId: z.string(), reason: z.string() }),
  'journal.changed': z.object({ profile: z.string() }),
  'fleet.host': z.object({ opId: z.string().optional(), runId: z.string().optional(), host: FleetHostSchema }),
} satisfies Record<EventName, z.ZodType>;

export type Contract = typeof contract;
/** What a caller may send (defaults not yet applied). */
export type Req<C extends ChannelName> = z.input<Contract[C]['req']>;
/** What a handler receives (after parsing, defaults applied). */
export type ParsedReq<C extends ChannelName> = z.output<Contract[C]['req']>;
export type Res<C extends ChannelName> = z.output<Contract[C]['res']>;
export type EventPayload<E extends EventName> = z.output<(typeof eventContract)[E]>;

/** Every reply crosses a boundary as this envelope; errors never throw across it. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: z.infer<typeof ErrorInfoSchema> };

/** Hard cap on a serialized request, for every door. */
export const MAX_REQUEST_BYTES = 256 * 1024;
