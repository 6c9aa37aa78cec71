import { z } from 'zod';
import { CanaryComparisonSchema } from './canary';
import { BenchRunSchema } from './docker-bench';
import { HYPERVISOR_KIND_NAMES } from './hypervisor-kinds';

/**
 * Domain shapes that cross a process boundary. The zod schema is the single
 * source; TypeScript types are derived from it. Core code returns these shapes
 * and the contract validates them on the way out.
 */

export const ErrorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  detail: z.string().optional(),
});
export type ErrorInfoShape = z.infer<typeof ErrorInfoSchema>;

export const HypervisorKindSchema = z.enum(HYPERVISOR_KIND_NAMES);

export const VmStateSchema = z.enum(['running', 'paused', 'stopped', 'saved', 'aborted', 'starting', 'stopping', 'saving', 'restoring', 'unknown']);

export const VmInfoSchema = z.object({
  hypervisor: HypervisorKindSchema,
  id: z.string(),
  name: z.string(),
  state: VmStateSchema,
  accessible: z.boolean(),
  sshForward: z.object({ host: z.string(), port: z.number().int() }).optional(),
});
export type VmInfoShape = z.infer<typeof VmInfoSchema>;

export const SnapshotSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: z.string().optional(),
  parentId: z.string().nullable(),
  live: z.boolean().optional(),
});
export type SnapshotShape = z.infer<typeof SnapshotSchema>;

export const SnapshotListSchema = z.object({
  snapshots: z.array(SnapshotSchema),
  currentId: z.string().nullable(),
});
export type SnapshotListShape = z.infer<typeof SnapshotListSchema>;

export const HostKeyInfoSchema = z.object({
  keyType: z.string(),
  fingerprint: z.string(),
  status: z.enum(['trusted', 'pinned', 'trusted-once', 'remembered']).optional(),
});

export const HostKeyDecisionSchema = z.enum(['trust-once', 'trust-remember', 'cancel']);
export type HostKeyDecision = z.infer<typeof HostKeyDecisionSchema>;

export const ElevationSchema = z.enum(['root', 'sudo-nopasswd', 'sudo-password', 'doas', 'none']);

export const ConnectionStateSchema = z.enum(['disconnected', 'connecting', 'connected', 'reconnecting', 'failed']);

export const ConnectResultSchema = z.object({
  profile: z.string(),
  hostKey: HostKeyInfoSchema,
  authMethod: z.string(),
  elevation: ElevationSchema,
  os: z.string().optional(),
  kernel: z.string().optional(),
  durationMs: z.number(),
});
export type ConnectResult = z.infer<typeof ConnectResultSchema>;

export const WarningKindSchema = z.enum(['irreversible-until-reboot', 'until-reboot', 'lockout-risk', 'breaks-docker', 'reboot-required', 'needs-network', 'info']);

export const PlanWarningSchema = z.object({
  kind: WarningKindSchema,
  message: z.string(),
});
export type PlanWarning = z.infer<typeof PlanWarningSchema>;

export const PlanFileSchema = z.object({
  path: z.string(),
  before: z.string().nullable(),
  after: z.string().nullable(),
  /** Unified diff of before -> after (shared/diff.ts). */
  diff: z.string(),
  mode: z.string().optional(),
});
export type PlanFile = z.infer<typeof PlanFileSchema>;

export const PlanCommandSchema = z.object({
  argv: z.array(z.string()),
  elevated: z.boolean(),
  why: z.string(),
});

/**
 * A proof: a read-only command and what its output must show once the change
 * holds. The step's verify judges it in the lab and the fleet export turns it
 * into a task that fails the host, so both ask the very same question.
 * Patterns use what ERE, Python's re and JavaScript share: literals, `.`,
 * bracket lists of plain characters, `( | )`, `?`, `*`, `+`, `^`, `$`.
 */
export const ProofExpectSchema = z.discriminatedUnion('kind', [
  /** The whole output, runs of white space as one space, trimmed (sysctl -n). */
  z.object({ kind: z.literal('equals'), value: z.string() }),
  /** Some line, trimmed and in lower case, is one of these (sshd -T). */
  z.object({ kind: z.literal('line'), anyOf: z.array(z.string()).min(1) }),
  /** Some line, trimmed and in lower case, is the prefix and then a whole number in [min, max] (sshd -T "maxauthtries 3"). */
  z.object({ kind: z.literal('range'), prefix: z.string().regex(/^[a-z0-9_.-]+ $/), min: z.number().int(), max: z.number().int() }),
  /** Some line matches the pattern (modprobe dry runs). */
  z.object({ kind: z.literal('match'), pattern: z.string() }),
]);
export type ProofExpect = z.infer<typeof ProofExpectSchema>;

export const ProofSchema = z.object({
  name: z.string(),
  argv: z.array(z.string()).min(1),
  elevated: z.boolean(),
  expect: ProofExpectSchema,
  /** In a trial: the step whose proof it is. */
  step: z.string().optional(),
});
export type Proof = z.infer<typeof ProofSchema>;

export const PlanSchema = z.object({
  id: z.string(),
  step: z.string(),
  profile: z.string(),
  createdAt: z.string(),
  summary: z.string(),
  files: z.array(PlanFileSchema),
  commands: z.array(PlanCommandSchema),
  packages: z.object({ install: z.array(z.string()), remove: z.array(z.string()) }),
  rebootRequired: z.boolean(),
  warnings: z.array(PlanWarningSchema),
  nothingToDo: z.boolean(),
  options: z.record(z.string(), z.unknown()).optional(),
  /** Read-only results a step gathered while planning, for the UI to show in full (e.g. a docker-bench-security scan). */
  reports: z.array(z.object({ kind: z.literal('docker-bench'), run: BenchRunSchema })).optional(),
  /** The step's effect lives in files read at boot, so the UI offers the reboot proof switched on. */
  proveRebootByDefault: z.boolean().optional(),
  /** The canaries that will run before and after the change (names; the built-in login is always one). */
  canaries: z.array(z.string()).optional(),
  /** What takes the change back if it fails: a snapshot, the in-guest dead-man's switch, both, or nothing (then apply is refused). */
  safetyNet: z.object({ kind: z.enum(['snapshot', 'snapshot+switch', 'switch', 'none']), message: z.string() }).optional(),
  /** What proves the change on a host once it is made (verify in the lab, tasks in the fleet export). */
  proofs: z.array(ProofSchema).optional(),
});
export type PlanShape = z.infer<typeof PlanSchema>;

/** How the UI renders one option of a step (the step's zod schema still validates it). */
export const StepOptionFieldSchema = z.object({
  name: z.string(),
  label: z.string(),
  help: z.string().optional(),
  type: z.enum(['boolean', 'enum', 'string', 'string-list']),
  default: z.union([z.boolean(), z.string(), z.array(z.string())]).optional(),
  choices: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
});
export type StepOptionField = z.infer<typeof StepOptionFieldSchema>;

export const StepInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  why: z.string(),
  readOnly: z.boolean(),
  guideOrder: z.number().int(),
  options: z.array(StepOptionFieldSchema).default([]),
  proveRebootByDefault: z.boolean().optional(),
});
export type StepInfo = z.infer<typeof StepInfoSchema>;

export const CheckResultSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  evidence: z.string(),
  /** In a trial: the step whose check it is. */
  step: z.string().optional(),
});

export const PhaseSchema = z.enum(['probe', 'plan', 'canaries', 'snapshot', 'arm', 'apply', 'reboot', 'verify', 'reboot-proof', 'revert', 'reconnect', 'done']);

const SnapshotIdName = z.object({ id: z.string(), name: z.string() });
const AuditScore = z.object({ passed: z.number().int(), total: z.number().int(), percent: z.number() });

/** What a trial adds to an apply's result (ApplyResult.trial). */
export const TrialInfoSchema = z.object({
  policy: z.object({ name: z.string(), version: z.number().int(), title: z.string() }),
  without: z.array(z.string()),
  only: z.array(z.string()).optional(),
  steps: z.array(z.string()),
  units: z.array(z.string()),
  /** The snapshot the trial started from: every trial from it compares. */
  baseline: SnapshotIdName.nullable(),
  /** The VM after the verified trial, kept as a branch to come back to. */
  resultSnapshot: SnapshotIdName.nullable(),
  auditBefore: AuditScore,
  auditAfter: z.object({ score: AuditScore, checks: z.array(z.object({ id: z.string(), title: z.string(), status: z.enum(['pass', 'fail', 'skip']) })) }).optional(),
  /** Each file's content after the trial, for the comparison of two results. */
  files: z.array(z.object({ path: z.string(), after: z.string().nullable() })),
});
export type TrialInfo = z.infer<typeof TrialInfoSchema>;

export const BisectionRoundSchema = z.object({
  round: z.number().int(),
  tried: z.array(z.string()),
  outcome: z.enum(['broke', 'held']),
  /** What failed (checks, canaries), when it broke. */
  failed: z.array(z.string()),
  durationMs: z.number(),
});
export type BisectionRound = z.infer<typeof BisectionRoundSchema>;

export const BisectionSchema = z.object({
  experimentId: z.string(),
  policy: z.object({ name: z.string(), version: z.number().int(), title: z.string() }),
  baseline: SnapshotIdName,
  /** The units bisected (N). */
  units: z.array(z.string()),
  rounds: z.array(BisectionRoundSchema),
  /** The smallest set found that breaks the trial on its own. */
  culprit: z.array(z.string()),
  /** True when no single unit breaks it alone: the culprit is a combination. */
  combination: z.boolean(),
  /** Rounds a single culprit among N takes at most: ceil(log2 N) + 1 (the confirmation). */
  roundBound: z.number().int(),
  /** The policy without the culprit, to run as a new trial. */
  suggestion: z.object({ without: z.array(z.string()) }),
  outcome: z.enum(['found', 'not-reproduced', 'cancelled']),
  durationMs: z.number(),
});
export type BisectionShape = z.infer<typeof BisectionSchema>;

export const ApplyOutcomeSchema = z.enum(['verified', 'reverted', 'revert-failed', 'nothing-to-do']);

export const ApplyResultSchema = z.object({
  experimentId: z.string(),
  step: z.string(),
  outcome: ApplyOutcomeSchema,
  snapshot: z.object({ id: z.string(), name: z.string() }).nullable(),
  checks: z.array(CheckResultSchema),
  phases: z.array(z.object({ phase: PhaseSchema, ok: z.boolean(), durationMs: z.number(), message: z.string().optional() })),
  error: ErrorInfoSchema.optional(),
  durationMs: z.number(),
  /** Every canary before the change, after it, and after the reboot proof when it ran. */
  canaries: z.array(CanaryComparisonSchema).optional(),
  /** The reboot proof, when it was asked for and verify had passed. */
  rebootProof: z
    .object({
      bootIdBefore: z.string(),
      bootIdAfter: z.string(),
      ok: z.boolean(),
      /** Checks that held before the reboot and failed after it. */
      lost: z.array(z.string()),
      /** Why, when it could be found (e.g. which file or unit sets the value at boot). */
      reasons: z.array(z.string()).default([]),
    })
    .optional(),
  /** A trial of a whole policy (shared/policy.ts). */
  trial: TrialInfoSchema.optional(),
  /** A bisection of a failed trial: its rounds and the culprit. */
  bisection: BisectionSchema.optional(),
  /** The in-guest dead-man's switch, when one was armed: and whether it was disarmed or what it restored. */
  deadman: z
    .object({
      unit: z.string(),
      manager: z.enum(['systemd', 'sleeper']),
      deadlineS: z.number(),
      armedAt: z.string(),
      outcome: z.enum(['disarmed', 'restored', 'not-restored']),
      /** Who ran it: its own timer at the deadline, or Harden Lab as soon as the change failed. */
      firedBy: z.enum(['timer', 'engine']).optional(),
      /** When the switch ran, by the guest's clock (which can differ from this machine's). */
      restoredAt: z.string().optional(),
    })
    .optional(),
});
export type ApplyResultShape = z.infer<typeof ApplyResultSchema>;

export const ExperimentStatusSchema = z.enum(['open', 'verified', 'reverted', 'revert-failed', 'resolved']);

export const ExperimentSchema = z.object({
  id: z.string(),
  profile: z.string(),
  step: z.string(),
  status: ExperimentStatusSchema,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  snapshot: z.object({ id: z.string(), name: z.string() }).nullable(),
  plan: PlanSchema.optional(),
  result: ApplyResultSchema.optional(),
  log: z.array(z.object({ at: z.string(), phase: z.string(), message: z.string() })),
});
export type ExperimentShape = z.infer<typeof ExperimentSchema>;

export const AuditCheckSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['pass', 'fail', 'skip']),
  evidence: z.string(),
  fixStep: z.string().optional(),
});

export const AuditReportSchema = z.object({
  profile: z.string(),
  at: z.string(),
  checks: z.array(AuditCheckSchema),
  score: z.object({ passed: z.number().int(), total: z.number().int(), percent: z.number() }),
});
export type AuditReportShape = z.infer<typeof AuditReportSchema>;

export const LabInfoSchema = z.object({
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  user: z.string(),
  keyPath: z.string(),
  hostKeyFingerprint: z.string(),
  hypervisor: HypervisorKindSchema,
  vm: z.string(),
  state: z.string().optional(),
  accel: z.string().optional(),
});
export type LabInfoShape = z.infer<typeof LabInfoSchema>;

export const ToolCheckSchema = z.object({
  name: z.string(),
  found: z.boolean(),
  version: z.string().optional(),
  path: z.string().optional(),
  detail: z.string().optional(),
  install: z.string().optional(),
  required: z.boolean(),
});
export type ToolCheck = z.infer<typeof ToolCheckSchema>;

export const LoadedModuleSchema = z.object({
  name: z.string(),
  size: z.number(),
  useCount: z.number(),
  usedBy: z.array(z.string()),
  devices: z.array(z.string()),
  description: z.string(),
  /** One of the modules Docker/Podman/Kubernetes need for storage and networking (the modules step never blocks these). */
  containerNeeded: z.boolean().optional(),
});
export type LoadedModuleShape = z.infer<typeof LoadedModuleSchema>;
