import type { BenchCheck, BenchCounts, BenchLevel, BenchReport, BenchSection } from '../../../../shared/docker-bench';

/**
 * Parses what docker-bench-security prints (its stdout, or its log file,
 * which is the same text): with or without colours (-b), with or without the
 * remediation section (-p), from 1.3 (`5.4  - ...`, "(Scored)") to 1.6
 * (`5.5 - ...`, "(Automated)"). Pure; tested on a recorded run.
 *
 *   [INFO] 1 - Host Configuration                     section
 *   [INFO] 1.1 - Linux Hosts Specific Configuration   group (an INFO line with no assessment, whose id has children)
 *   [WARN] 1.1.1 - Ensure ... (Automated)             check
 *   [INFO]       * Users: lab                         detail of the check above
 *   Section B - Remediation measures                  then "[INFO] 1.1.1 - text Remediation Impact: text"
 *   Section C - Score                                 then "[INFO] Checks: 117", "[INFO] Score: -21"
 */
// The script colours its tags with ANSI escapes unless run with -b.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const LINE = /^\[(PASS|WARN|INFO|NOTE)\]\s?(.*)$/;
const ENTRY = /^(\d+(?:\.\d+)*)\s+-\s+(.*)$/;
const ASSESSMENT = /\s*\((Automated|Manual|Scored|Not Scored)\)/;

function emptyCounts(): BenchCounts {
  return { PASS: 0, WARN: 0, INFO: 0, NOTE: 0 };
}

interface RawEntry {
  id: string;
  text: string;
  level: BenchLevel;
  details: string[];
}

export function parseDockerBench(output: string): BenchReport {
  const lines = output.replace(ANSI, '').split(/\r?\n/);
  let version: string | null = null;
  let benchmark: string | null = null;
  let startedAt: string | null = null;
  let totalChecks: number | null = null;
  let score: number | null = null;
  const notices: string[] = [];
  const entries: RawEntry[] = [];
  const remediation = new Map<string, { text: string; impact?: string }>();
  let part: 'checks' | 'remediation' | 'score' = 'checks';

  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line.startsWith('#')) {
      version ??= /Docker Bench for Security v(\S+)/.exec(line)?.[1] ?? null;
      benchmark ??= /CIS Docker Benchmark v?([\d.]*\d)/.exec(line)?.[1] ?? null;
      continue;
    }
    const init = /^Initializing (.+)$/.exec(line);
    if (init) {
      startedAt = init[1]!.trim();
      continue;
    }
    if (/^Section B\b/.test(line)) part = 'remediation';
    else if (/^Section C\b/.test(line)) part = 'score';
    const m = LINE.exec(line);
    if (!m) continue;
    const level = m[1] as BenchLevel;
    const body = m[2]!;
    const checks = /^Checks:\s*(-?\d+)/.exec(body.trim());
    const sc = /^Score:\s*(-?\d+)/.exec(body.trim());
    if (checks || sc) {
      // Older versions print the totals without a "Section C" heading.
      if (checks) totalChecks = Number(checks[1]);
      if (sc) score = Number(sc[1]);
      continue;
    }
    if (part === 'score') continue;
    const entry = ENTRY.exec(body.trim());
    if (part === 'remediation') {
      if (entry && entry[1]!.includes('.')) {
        const [text, impact] = entry[2]!.split(/\s+Remediation Impact:\s*/, 2);
        remediation.set(entry[1]!, { text: text!.trim(), ...(impact ? { impact: impact.trim() } : {}) });
      }
      continue;
    }
    if (entry) {
      entries.push({ id: entry[1]!, text: entry[2]!, level, details: [] });
      continue;
    }
    const detail = body.trim().replace(/^\*\s*/, '');
    const last = entries[entries.length - 1];
    if (last && last.id.includes('.') && detail) last.details.push(detail);
    else if (detail) notices.push(detail);
  }

  const sections: BenchSection[] = [];
  entries.forEach((e, i) => {
    if (!e.id.includes('.')) {
      sections.push({ id: e.id, title: e.text.trim(), groups: [], checks: [], counts: emptyCounts() });
      return;
    }
    const sectionId = e.id.split('.')[0]!;
    let section = sections.find((s) => s.id === sectionId);
    if (!section) {
      section = { id: sectionId, title: `Section ${sectionId}`, groups: [], checks: [], counts: emptyCounts() };
      sections.push(section);
    }
    const assessment = ASSESSMENT.exec(e.text)?.[1] ?? null;
    const hasChildren = entries.slice(i + 1).some((x) => x.id.startsWith(`${e.id}.`));
    if (e.level === 'INFO' && assessment === null && hasChildren && e.details.length === 0) {
      section.groups.push({ id: e.id, title: e.text.trim() });
      return;
    }
    // 1.6.0 prints "1.1.12 - 1.1.12 Ensure ...": drop the repeated id.
    const title = e.text.replace(ASSESSMENT, '').replace(new RegExp(`^${e.id.replace(/\./g, '\\.')}\\s+`), '').trim();
    const rem = remediation.get(e.id);
    const check: BenchCheck = {
      id: e.id,
      title,
      level: e.level,
      assessment,
      details: e.details,
      ...(rem ? { remediation: rem.text, ...(rem.impact ? { remediationImpact: rem.impact } : {}) } : {}),
    };
    section.checks.push(check);
    section.counts[e.level] += 1;
  });

  const counts = emptyCounts();
  for (const s of sections) for (const k of Object.keys(counts) as BenchLevel[]) counts[k] += s.counts[k];
  return { tool: 'docker-bench-security', version, benchmark, startedAt, sections, counts, totalChecks, score, notices };
}

/** One line per section for a plan warning or a log, host configuration first as the script prints it. */
export function summariseBench(report: BenchReport, maxWarnsPerSection = 3): string[] {
  return report.sections.map((s) => {
    const warns = s.checks.filter((c) => c.level === 'WARN');
    const head = `${s.id} ${s.title}: ${s.counts.WARN} WARN, ${s.counts.PASS} PASS, ${s.counts.INFO} INFO, ${s.counts.NOTE} NOTE`;
    if (warns.length === 0) return head;
    const shown = warns.slice(0, maxWarnsPerSection).map((c) => `${c.id} ${c.title}${c.details.length ? ` (${c.details.join('; ')})` : ''}`);
    return `${head}. ${shown.join('; ')}${warns.length > shown.length ? `; and ${warns.length - shown.length} more` : ''}.`;
  });
}
