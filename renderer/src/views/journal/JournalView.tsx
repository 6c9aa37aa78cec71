import { useEffect, useState } from 'react';
import type { ExperimentShape } from '../../../../shared/domain';
import type { ErrorView } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';
import { Icon } from '../../components/Icon';
import { LiveLog } from '../../components/LiveLog';
import { NoVm } from '../../components/NoVm';
import { FileDiff } from '../../components/steps/DiffView';
import { ResultCard } from '../../components/steps/ResultCard';
import { WarningList } from '../../components/steps/WarningList';
import { useNow } from '../../hooks/useNow';
import { commandLine } from '../../lib/commandLine';
import { saveTextFile } from '../../lib/download';
import { formatDateTime, formatDuration, formatRelative, parseTime } from '../../lib/format';
import { useApp } from '../../store';
import type { ExportFormat } from '../../store/journal';
import { OpenExperimentRow } from './OpenExperiments';

const FORMATS: Array<{ id: ExportFormat; label: string }> = [
  { id: 'markdown', label: 'Markdown' },
  { id: 'html', label: 'HTML' },
  { id: 'ansible', label: 'Ansible' },
  { id: 'shell', label: 'Shell script' },
];

const STATUS_TONE: Record<ExperimentShape['status'], string> = { open: 'warn', verified: 'ok', reverted: 'warn', 'revert-failed': 'bad', resolved: 'neutral' };
const STATUS_LABEL: Record<ExperimentShape['status'], string> = { open: 'open', verified: 'verified', reverted: 'reverted', 'revert-failed': 'revert failed', resolved: 'resolved' };

/** Downloads an export of the journal (or one experiment) without leaving the page. */
function ExportButtons({ profile, experimentId, label }: { profile: string; experimentId?: string; label: string }) {
  const exportJournal = useApp((s) => s.exportJournal);
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
  const [notes, setNotes] = useState<string[]>([]);
  const run = async (format: ExportFormat) => {
    setBusy(format);
    setError(null);
    setNotes([]);
    const res = await exportJournal(profile, format, experimentId);
    setBusy(null);
    if (res.ok) {
      saveTextFile(res.value.fileName, res.value.content, res.value.mime);
      setNotes(res.value.notes ?? []);
    } else setError(res.error);
  };
  return (
    <div className="export-block">
      <div className="export-buttons" role="group" aria-label={label}>
        <span className="muted small">Export:</span>
        {FORMATS.map((f) => (
          <button key={f.id} type="button" className="small" onClick={() => void run(f.id)} disabled={busy !== null}>
            <Icon name="download" /> {busy === f.id ? 'Exporting…' : f.label}
          </button>
        ))}
      </div>
      {error && <ErrorBox error={error} compact />}
      {notes.length > 0 && (
        <ul className="hint small" aria-label="What the export says">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function JournalView() {
  const profile = useApp((s) => s.activeProfile);
  if (!profile) return <NoVm title="Journal" />;
  return <Journal profile={profile} />;
}

function Journal({ profile }: { profile: string }) {
  const journal = useApp((s) => s.journals[profile]);
  const load = useApp((s) => s.loadJournal);
  const [expanded, setExpanded] = useState<string | null>(null);
  const now = useNow(true, 60_000);

  useEffect(() => {
    void load(profile);
  }, [profile, load]);

  const data = journal?.data;
  const experiments = data ? [...data.experiments].sort((a, b) => (parseTime(b.startedAt) ?? 0) - (parseTime(a.startedAt) ?? 0)) : [];
  const open = new Set(data?.open ?? []);

  return (
    <section className="view">
      <header className="view-header with-actions">
        <div>
          <h1>Journal</h1>
          <p className="lead">Every change tried on {profile}: its plan, what happened, what was proved or restored. Newest first.</p>
        </div>
        <button type="button" className="small" onClick={() => void load(profile)} disabled={journal?.loading}>
          {journal?.loading ? 'Loading…' : 'Refresh'}
        </button>
      </header>
      {data && data.experiments.length > 0 && (
        <div className="panel">
          <ExportButtons profile={profile} label="Export the whole journal" />
        </div>
      )}
      {journal?.error && (
        <ErrorBox error={journal.error} title="The journal could not be read">
          <button type="button" onClick={() => void load(profile)}>
            Try again
          </button>
        </ErrorBox>
      )}
      {!data && !journal?.error && (
        <div className="skeleton-list" aria-busy="true" aria-label="Loading the journal">
          <div className="skeleton-row" />
          <div className="skeleton-row" />
          <div className="skeleton-row" />
        </div>
      )}
      {data && experiments.length === 0 && (
        <div className="panel empty-state">
          <p className="strong">No experiments yet.</p>
          <p className="muted">Each time you apply a step, its plan, log and outcome are recorded here, so you can review, revert, or export them as a report or an Ansible playbook.</p>
        </div>
      )}
      {experiments.length > 0 && (
        <ul className="journal-list" aria-label="Experiments">
          {experiments.map((e) =>
            open.has(e.id) ? (
              <li key={e.id} className="journal-item open-item">
                <ul className="list">
                  <OpenExperimentRow profile={profile} experiment={e} />
                </ul>
                <ExperimentDetails profile={profile} e={e} expanded={expanded === e.id} onToggle={() => setExpanded(expanded === e.id ? null : e.id)} now={now} />
              </li>
            ) : (
              <li key={e.id} className="journal-item">
                <ExperimentDetails profile={profile} e={e} expanded={expanded === e.id} onToggle={() => setExpanded(expanded === e.id ? null : e.id)} now={now} />
              </li>
            ),
          )}
        </ul>
      )}
    </section>
  );
}

function ExperimentDetails({ profile, e, expanded, onToggle, now }: { profile: string; e: ExperimentShape; expanded: boolean; onToggle: () => void; now: number }) {
  const title = useApp((s) => s.steps.find((x) => x.id === e.step)?.title ?? e.step);
  const panelId = `exp-${e.id}`;
  const duration = e.result?.durationMs ?? (e.endedAt && parseTime(e.endedAt) && parseTime(e.startedAt) ? parseTime(e.endedAt)! - parseTime(e.startedAt)! : null);
  return (
    <>
      <button type="button" className="journal-row" aria-expanded={expanded} aria-controls={panelId} onClick={onToggle}>
        <Icon name={expanded ? 'chevronDown' : 'chevronRight'} />
        <span className="journal-step">{title}</span>
        <span className={`pill small-pill ${STATUS_TONE[e.status]}`}>{STATUS_LABEL[e.status]}</span>
        <span className="muted small journal-time" title={formatDateTime(e.startedAt)}>
          {formatRelative(e.startedAt, now)}
        </span>
        <span className="muted small journal-snap">{e.snapshot ? `snapshot “${e.snapshot.name}”` : 'no snapshot'}</span>
        <span className="muted small">{duration !== null ? formatDuration(duration) : ''}</span>
      </button>
      {expanded && (
        <div id={panelId} className="journal-details">
          <p className="muted small">
            Started {formatDateTime(e.startedAt)}
            {e.endedAt ? `, ended ${formatDateTime(e.endedAt)}` : ''} · id <span className="mono">{e.id}</span>
          </p>
          {e.result && <ResultCard result={e.result} plan={e.plan ?? null} title={title} />}
          {e.plan && (
            <section className="plan-section">
              <h3>The plan</h3>
              <p>{e.plan.summary}</p>
              <WarningList warnings={e.plan.warnings} />
              {e.plan.files.map((f) => (
                <FileDiff key={f.path} file={f} mode="unified" />
              ))}
              {e.plan.commands.length > 0 && (
                <ol className="commands">
                  {e.plan.commands.map((c, i) => (
                    <li key={i} className="command">
                      <code className="mono">
                        {c.elevated ? '# ' : '$ '}
                        {commandLine(c.argv)}
                      </code>
                      <p className="command-why">{c.why}</p>
                    </li>
                  ))}
                </ol>
              )}
            </section>
          )}
          <section className="plan-section">
            <h3>Log</h3>
            {e.log.length > 0 ? <LiveLog events={e.log} label={`Log of ${title}`} height="sm" /> : <p className="muted">No log lines were recorded.</p>}
          </section>
          <ExportButtons profile={profile} experimentId={e.id} label={`Export ${title}`} />
        </div>
      )}
    </>
  );
}
