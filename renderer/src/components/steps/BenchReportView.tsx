import { useId, useState } from 'react';
import type { BenchRun } from '../../../../shared/docker-bench';
import { initiallyOpen, sectionTally, visibleChecks, type BenchFilter } from '../../lib/bench';
import { formatDuration } from '../../lib/format';

const LEVEL_TONE = { WARN: 'warn', NOTE: 'neutral', INFO: 'neutral', PASS: 'ok' } as const;
const LEVEL_WORD = { WARN: 'Warning', NOTE: 'Check by hand', INFO: 'Info', PASS: 'Pass' } as const;

/**
 * A docker-bench-security scan as a readable table of findings: totals first,
 * then each section of the CIS Docker Benchmark with its checks (level, id,
 * title, the containers or files it named, and the fix when the script gave one).
 */
export function BenchReportView({ run }: { run: BenchRun }) {
  const id = useId();
  const { report } = run;
  const [filter, setFilter] = useState<BenchFilter>('findings');
  const [open, setOpen] = useState<Set<string>>(() => initiallyOpen(report));
  const toggle = (sid: string) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(sid)) n.delete(sid);
      else n.add(sid);
      return n;
    });

  return (
    <section className="bench-report plan-section" aria-labelledby={`${id}-title`}>
      <div className="plan-section-head">
        <h3 id={`${id}-title`}>Container security scan (docker-bench-security)</h3>
        <div className="segmented" role="group" aria-label="Which checks to show">
          <button type="button" aria-pressed={filter === 'findings'} onClick={() => setFilter('findings')}>
            Findings
          </button>
          <button type="button" aria-pressed={filter === 'all'} onClick={() => setFilter('all')}>
            All checks
          </button>
        </div>
      </div>
      <p className="muted small">
        {report.version ? `Version ${report.version}` : 'docker-bench-security'}
        {report.benchmark ? `, CIS Docker Benchmark ${report.benchmark}` : ''} · ran in {formatDuration(run.durationMs)}
        {report.score !== null ? ` · score ${report.score}` : ''}
      </p>
      <div className="bench-totals" role="list" aria-label="Scan totals">
        <span role="listitem" className="pill warn">
          {report.counts.WARN} warnings
        </span>
        <span role="listitem" className="pill ok">
          {report.counts.PASS} passed
        </span>
        <span role="listitem" className="pill neutral">
          {report.counts.NOTE} to check by hand
        </span>
        <span role="listitem" className="pill neutral">
          {report.counts.INFO} info
        </span>
      </div>
      {report.notices.length > 0 && (
        <ul className="bench-notices">
          {report.notices.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {report.sections.map((s) => {
        const checks = visibleChecks(s, filter);
        const isOpen = open.has(s.id);
        return (
          <div key={s.id} className="bench-section">
            <button type="button" className="bench-section-head" aria-expanded={isOpen} onClick={() => toggle(s.id)}>
              <span className="bench-caret" aria-hidden="true">
                {isOpen ? '▾' : '▸'}
              </span>
              <span className="strong">
                {s.id}. {s.title}
              </span>
              <span className="muted small">{sectionTally(s)}</span>
            </button>
            {isOpen &&
              (checks.length === 0 ? (
                <p className="muted small bench-empty">{filter === 'findings' ? 'No warnings in this section.' : 'No checks in this section.'}</p>
              ) : (
                <table className="bench-table">
                  <thead>
                    <tr>
                      <th scope="col">Result</th>
                      <th scope="col">Check</th>
                      <th scope="col">Finding</th>
                    </tr>
                  </thead>
                  <tbody>
                    {checks.map((c) => (
                      <tr key={c.id}>
                        <td>
                          <span className={`pill small-pill ${LEVEL_TONE[c.level]}`}>{LEVEL_WORD[c.level]}</span>
                        </td>
                        <td className="mono">{c.id}</td>
                        <td>
                          <span>{c.title}</span>
                          {c.assessment && <span className="muted small"> ({c.assessment})</span>}
                          {c.details.length > 0 && (
                            <ul className="bench-details">
                              {c.details.map((d, i) => (
                                <li key={i} className="mono small">
                                  {d}
                                </li>
                              ))}
                            </ul>
                          )}
                          {c.remediation && (
                            <p className="small bench-fix">
                              <span className="strong">Fix: </span>
                              {c.remediation}
                              {c.remediationImpact ? <span className="muted"> Impact: {c.remediationImpact}</span> : null}
                            </p>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ))}
          </div>
        );
      })}
    </section>
  );
}
