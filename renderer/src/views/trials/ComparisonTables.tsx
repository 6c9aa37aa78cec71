import type { TrialComparisonShape } from '../../../../shared/policy';
import { formatDuration } from '../../lib/format';

const score = (s: { passed: number; total: number; percent: number } | null) => (s ? `${s.passed}/${s.total} (${s.percent}%)` : '–');

/** One comparison of trials as tables, columns in the order the trials were picked. */
export function ComparisonTables({ comparison: c }: { comparison: TrialComparisonShape }) {
  const heads = c.trials.map((t, i) => (
    <th scope="col" key={t.experimentId}>
      {i + 1}. {t.policy.title} <span className="small muted">v{t.policy.version}</span>
    </th>
  ));
  const row = (label: string, cells: React.ReactNode[]) => (
    <tr key={label}>
      <th scope="row">{label}</th>
      {cells.map((x, i) => (
        <td key={i}>{x}</td>
      ))}
    </tr>
  );
  return (
    <div className="comparison" aria-label="Comparison">
      <p className="small muted">
        All from the snapshot “{c.baseline.name}”.
      </p>
      <MatrixTable label="Trials side by side" first={<span className="sr-only">What</span>} heads={heads}>
        {row('Outcome', c.trials.map((t) => <span className={t.outcome === 'verified' ? 'pill ok' : 'pill bad'}>{t.outcome}</span>))}
        {row('Audit before', c.trials.map((t) => score(t.scoreBefore)))}
        {row('Audit after', c.trials.map((t) => <span className="strong">{score(t.scoreAfter)}</span>))}
        {row('Reboot proof', c.trials.map((t) => (t.rebootProof === null ? 'not asked' : t.rebootProof ? 'held' : 'lost')))}
        {row('Time', c.trials.map((t) => formatDuration(t.durationMs)))}
        {row('Result snapshot', c.trials.map((t) => <span className="mono small">{t.resultSnapshot?.name ?? 'not kept'}</span>))}
      </MatrixTable>
      <Section title="Settings that differ" empty="Every trial applies the same settings." count={c.settings.length}>
        <MatrixTable label="Settings that differ" first="Setting" heads={heads}>
          {c.settings.map((x) => row(x.unit, x.in.map((on) => (on ? <span className="pill ok">applied</span> : <span className="muted">–</span>))))}
        </MatrixTable>
      </Section>
      <Section title="Audit checks that differ" empty="The audit ends the same after every trial." count={c.checks.length}>
        <MatrixTable label="Checks that differ" first="Check" heads={heads}>
          {c.checks.map((x) => row(x.title, x.status.map((st) => <span className={st === 'pass' ? 'pill ok' : st === 'fail' ? 'pill bad' : 'pill neutral'}>{st ?? '–'}</span>)))}
        </MatrixTable>
      </Section>
      <Section title="Canaries" empty="No canaries ran." count={c.canaries.length}>
        <MatrixTable label="Canaries in the trials" first="Canary" heads={heads}>
          {c.canaries.map((x) => row(x.name, x.verdicts.map((v) => <span className={v === 'broke' ? 'pill bad' : 'pill neutral'}>{v ?? '–'}</span>)))}
        </MatrixTable>
      </Section>
      <Section title="Files the trials leave differently" empty="Every trial leaves the same files." count={c.files.filter((f) => f.state !== 'same').length}>
        {c.files
          .filter((f) => f.state !== 'same')
          .map((f) => (
            <details key={f.path} className="comparison-file">
              <summary>
                <span className="mono">{f.path}</span> <span className="small muted">{f.state === 'differs' ? 'differs' : 'missing in some'}</span>
              </summary>
              {f.diffs.map((d, i) => (d ? <pre key={i} className="diff-text mono small">{d}</pre> : null))}
            </details>
          ))}
      </Section>
    </div>
  );
}

function Section({ title, empty, count, children }: { title: string; empty: string; count: number; children: React.ReactNode }) {
  return (
    <section className="plan-section">
      <h3>
        {title} <span className="muted small">({count})</span>
      </h3>
      {count === 0 ? <p className="small muted">{empty}</p> : children}
    </section>
  );
}

/** A table with one column per trial: the first column names the row. */
function MatrixTable({ label, first, heads, children }: { label: string; first: React.ReactNode; heads: React.ReactNode[]; children: React.ReactNode }) {
  return (
    <table className="table" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">{first}</th>
          {heads}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
