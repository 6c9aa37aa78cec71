import { useEffect, useState } from 'react';
import type { ErrorView } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';
import { saveTextFile } from '../../lib/download';
import { formatDuration } from '../../lib/format';
import { emptyTrialRun, useApp } from '../../store';
import { ComparisonTables } from './ComparisonTables';
import { trialsOf } from './trialList';

/**
 * Trials from one baseline side by side: scores, the settings that differ,
 * checks, canaries, files, time; exported as Markdown or HTML. Each verified
 * trial's result is a snapshot the VM can be switched to in one click.
 */
export function TrialCompare({ profile }: { profile: string }) {
  const journal = useApp((s) => s.journals[profile]);
  const loadJournal = useApp((s) => s.loadJournal);
  const run = useApp((s) => s.trials[profile] ?? emptyTrialRun);
  const compare = useApp((s) => s.compareTrials);
  const exportComparison = useApp((s) => s.exportComparison);
  const openRevert = useApp((s) => s.openRevertDialog);
  const [picked, setPicked] = useState<string[]>([]);
  const [exportError, setExportError] = useState<ErrorView | null>(null);

  useEffect(() => {
    if (!journal?.data && !journal?.loading) void loadJournal(profile);
  }, [profile, journal?.data, journal?.loading, loadJournal]);
  const trials = trialsOf(journal?.data?.experiments ?? []);
  const c = run.comparison;
  const doExport = async (format: 'markdown' | 'html') => {
    const r = await exportComparison(profile, picked, format);
    if (!r.ok) return setExportError(r.error);
    setExportError(null);
    saveTextFile(r.value.fileName, r.value.content, r.value.mime);
  };

  return (
    <section className="panel" aria-labelledby="compare-title">
      <div className="panel-header">
        <h2 id="compare-title">Compare trials</h2>
        <div className="form-actions" style={{ marginTop: 0 }}>
          <button type="button" className="primary" disabled={picked.length < 2 || run.comparing} onClick={() => void compare(profile, picked)}>
            {run.comparing ? 'Comparing…' : `Compare ${picked.length || ''}`.trim()}
          </button>
          <button type="button" disabled={picked.length < 2} onClick={() => void doExport('markdown')}>
            Export Markdown
          </button>
          <button type="button" disabled={picked.length < 2} onClick={() => void doExport('html')}>
            Export HTML
          </button>
        </div>
      </div>
      {trials.length === 0 ? (
        <p className="muted">No trials on {profile} yet. Run two policies from the same snapshot to compare them.</p>
      ) : (
        <table className="table" aria-label="Trials">
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">Pick</span>
              </th>
              <th scope="col">Policy</th>
              <th scope="col">Outcome</th>
              <th scope="col">From</th>
              <th scope="col">Audit after</th>
              <th scope="col">Time</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {trials.map((t) => (
              <tr key={t.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare ${t.policy} ${t.startedAt}`}
                    checked={picked.includes(t.id)}
                    onChange={(e) => setPicked((p) => (e.target.checked ? [...p, t.id].slice(-8) : p.filter((x) => x !== t.id)))}
                  />
                </td>
                <th scope="row">
                  {t.policy}
                  <div className="small muted">{new Date(t.startedAt).toLocaleString()}</div>
                </th>
                <td>
                  <span className={t.outcome === 'verified' ? 'pill ok' : t.outcome === 'nothing-to-do' ? 'pill neutral' : 'pill bad'}>{t.outcome}</span>
                </td>
                <td className="mono small">{t.baseline ?? '–'}</td>
                <td>{t.scoreAfter ? `${t.scoreAfter.passed}/${t.scoreAfter.total}` : '–'}</td>
                <td className="small">{formatDuration(t.durationMs)}</td>
                <td>
                  {t.resultSnapshot ? (
                    <button type="button" className="small" onClick={() => openRevert(t.resultSnapshot!.id)} aria-label={`Switch the VM to ${t.resultSnapshot.name}`}>
                      Switch to it…
                    </button>
                  ) : (
                    <span className="small muted">not kept</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {run.compareError && <ErrorBox error={run.compareError} title="These trials do not compare" compact />}
      {exportError && <ErrorBox error={exportError} title="The comparison was not exported" compact />}
      {c && <ComparisonTables comparison={c} />}
    </section>
  );
}
