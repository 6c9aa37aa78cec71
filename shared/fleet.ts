import { z } from 'zod';

/**
 * A staged rollout with Ansible (electron/core/fleet): what each host did
 * and how the run ended, as the CLI prints it, the Roll out view shows it
 * live and the report keeps it.
 */
export const FleetHostStatusSchema = z.enum([
  /** In a batch that has not started. */
  'waiting',
  'running',
  /** The run changed it and every proof held. */
  'changed',
  /** Nothing to change; every proof held. */
  'unchanged',
  'failed',
  /** The change failed there and the dead-man's switch put sshd back (the rescue proved the host reachable again). */
  'restored',
  'unreachable',
  /** The rollout stopped before this host's batch (a host of an earlier batch failed). */
  'not-run',
]);
export type FleetHostStatus = z.infer<typeof FleetHostStatusSchema>;

export const FleetHostSchema = z.object({
  name: z.string(),
  /** 1-based batch (Ansible's serial), null before its batch starts. */
  batch: z.number().int().nullable(),
  status: FleetHostStatusSchema,
  changed: z.number().int(),
  proofs: z.object({ held: z.number().int(), failed: z.array(z.string()) }),
  /** The last task that failed there, and what Ansible said. */
  failure: z.object({ task: z.string(), message: z.string() }).optional(),
  /** What the dead-man's switch reported when it restored the host. */
  restored: z.string().optional(),
  /** In a check run: each file's diff as Ansible computed it on this host. */
  diffs: z.array(z.object({ task: z.string(), path: z.string(), diff: z.string() })),
});
export type FleetHost = z.infer<typeof FleetHostSchema>;

export const FleetRunSchema = z.object({
  id: z.string(),
  mode: z.enum(['plan', 'rollout']),
  profile: z.string(),
  experiments: z.array(z.string()),
  inventory: z.string(),
  limit: z.string().optional(),
  /** Ansible's serial list: host counts or percentages of the hosts. */
  batches: z.array(z.union([z.number().int().positive(), z.string().regex(/^\d{1,3}%$/)])),
  /** The hosts of each batch, as planned. */
  planned: z.array(z.array(z.string())),
  deadlineS: z.number().int(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  outcome: z.enum(['running', 'done', 'stopped', 'failed']),
  /** When a host failed: the batch after which the rollout stopped. */
  stoppedAfterBatch: z.number().int().optional(),
  exitCode: z.number().int().nullable().optional(),
  hosts: z.array(FleetHostSchema),
  /** Where the playbook, the events and this report are kept. */
  dir: z.string(),
  notes: z.array(z.string()),
});
export type FleetRun = z.infer<typeof FleetRunSchema>;
