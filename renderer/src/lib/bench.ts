import type { BenchCheck, BenchLevel, BenchReport, BenchSection } from '../../../shared/docker-bench';

/**
 * How a docker-bench-security report is read in the UI: section by section in
 * the script's order (Host Configuration first, as the guide says), warnings
 * first when only findings are wanted, and a one-line tally per section.
 */
export type BenchFilter = 'findings' | 'all';

/** WARN are findings; NOTE are manual checks worth reading; PASS and INFO are context. */
const FINDING_LEVELS: ReadonlySet<BenchLevel> = new Set(['WARN', 'NOTE']);

export function visibleChecks(section: BenchSection, filter: BenchFilter): BenchCheck[] {
  if (filter === 'all') return section.checks;
  const order: Record<BenchLevel, number> = { WARN: 0, NOTE: 1, INFO: 2, PASS: 3 };
  return section.checks.filter((c) => FINDING_LEVELS.has(c.level)).sort((a, b) => order[a.level] - order[b.level]);
}

export function sectionTally(section: BenchSection): string {
  const c = section.counts;
  const parts = [`${c.WARN} warning${c.WARN === 1 ? '' : 's'}`, `${c.PASS} passed`];
  if (c.NOTE) parts.push(`${c.NOTE} to check by hand`);
  if (c.INFO) parts.push(`${c.INFO} info`);
  return parts.join(' · ');
}

/** The sections to open at first: the host section (the guide reads it first) and any with warnings, at most two. */
export function initiallyOpen(report: BenchReport): Set<string> {
  const open = new Set<string>();
  const host = report.sections.find((s) => s.id === '1');
  if (host) open.add(host.id);
  for (const s of report.sections) {
    if (open.size >= 2) break;
    if (s.counts.WARN > 0) open.add(s.id);
  }
  return open;
}
