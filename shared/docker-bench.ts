import { z } from 'zod';

/**
 * The docker-bench-security result as the UI gets it: sections in the
 * script's order (1 Host Configuration first, as the guide says to read it),
 * each check with its level and detail lines, remediation when the script
 * printed it (-p). Part of the API contract (PlanSchema.reports).
 */
export const BenchLevelSchema = z.enum(['PASS', 'WARN', 'INFO', 'NOTE']);
export type BenchLevel = z.infer<typeof BenchLevelSchema>;

export const BenchCheckSchema = z.object({
  /** "1.1.1" */
  id: z.string(),
  title: z.string(),
  level: BenchLevelSchema,
  /** "Automated", "Manual", "Scored", "Not Scored" as the benchmark marks the check; null when unmarked. */
  assessment: z.string().nullable(),
  /** The "* ..." lines printed under the check (offending containers, users, files). */
  details: z.array(z.string()),
  remediation: z.string().optional(),
  remediationImpact: z.string().optional(),
});
export type BenchCheck = z.infer<typeof BenchCheckSchema>;

const CountsSchema = z.object({ PASS: z.number(), WARN: z.number(), INFO: z.number(), NOTE: z.number() });
export type BenchCounts = z.infer<typeof CountsSchema>;

export const BenchSectionSchema = z.object({
  /** "1" */
  id: z.string(),
  title: z.string(),
  /** Sub-headings such as "1.1 Linux Hosts Specific Configuration". */
  groups: z.array(z.object({ id: z.string(), title: z.string() })),
  checks: z.array(BenchCheckSchema),
  counts: CountsSchema,
});
export type BenchSection = z.infer<typeof BenchSectionSchema>;

export const BenchReportSchema = z.object({
  tool: z.literal('docker-bench-security'),
  version: z.string().nullable(),
  /** CIS Docker Benchmark version the script follows. */
  benchmark: z.string().nullable(),
  startedAt: z.string().nullable(),
  sections: z.array(BenchSectionSchema),
  counts: CountsSchema,
  /** The script's own totals (Section C), when printed. */
  totalChecks: z.number().nullable(),
  score: z.number().nullable(),
  /** Warnings printed outside any check (e.g. "Some tests might require root to run"). */
  notices: z.array(z.string()),
});
export type BenchReport = z.infer<typeof BenchReportSchema>;

/** How a scan was run on the VM, around the parsed report. */
export const BenchRunSchema = z.object({
  scriptPath: z.string(),
  exitCode: z.number().nullable(),
  durationMs: z.number(),
  report: BenchReportSchema,
});
export type BenchRun = z.infer<typeof BenchRunSchema>;
