import { useEffect, useMemo, useRef, useState } from 'react';
import { stepOfCheck, type AuditCheck } from '../../lib/stepAudit';
import { AuditChecks } from '../../components/AuditChecks';
import { ErrorBox } from '../../components/ErrorBox';
import { Icon } from '../../components/Icon';
import { NoVm } from '../../components/NoVm';
import { OpProgress } from '../../components/OpProgress';
import { StepRunner } from '../../components/steps/StepRunner';
import { useNow } from '../../hooks/useNow';
import { useWalkthrough } from '../../hooks/useWalkthrough';
import type { ErrorView } from '../../api/client';
import { formatDateTime, formatRelative } from '../../lib/format';
import { adjacentPage, goToPage, nextOpenPage, pageIndex, setPageStatus, summarize, WALKTHROUGH_PAGES, type WalkthroughPageDef } from '../../lib/walkthrough';
import { runKey, useApp } from '../../store';
import { PAGE_CONTENT } from './pages';

export const BASELINE_NAME = 'baseline';

export function WalkthroughView() {
  const profile = useApp((s) => s.activeProfile);
  if (!profile) return <NoVm title="Guided walkthrough" text="The walkthrough hardens one VM step by step. Set up a VM to start." />;
  return <Walkthrough profile={profile} />;
}

function Walkthrough({ profile }: { profile: string }) {
  const progress = useWalkthrough(profile);
  const update = useApp((s) => s.updateWalkthrough);
  const page = WALKTHROUGH_PAGES.find((p) => p.id === progress.current) ?? WALKTHROUGH_PAGES[0]!;
  const sum = summarize(progress);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  // Moving to another page puts the reader at its title (and keyboard focus with it).
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    headingRef.current?.focus();
  }, [page.id]);

  return (
    <section className="view view-wide walkthrough">
      <header className="view-header">
        <h1>Guided walkthrough</h1>
        <p className="lead">Hardening {profile} as a container host, in the order the guide gives: each page explains why, shows where this VM stands, and runs the step.</p>
        <div className="walk-progress">
          <progress max={sum.total} value={sum.done} aria-label="Walkthrough progress" />
          <span className="small">
            {sum.done} of {sum.total} pages done{sum.skipped ? ` · ${sum.skipped} skipped` : ''}
          </span>
        </div>
      </header>
      <div className="walk-layout">
        <nav className="walk-nav" aria-label="Walkthrough pages">
          <ol>
            {WALKTHROUGH_PAGES.map((p, i) => {
              const status = progress.pages[p.id];
              return (
                <li key={p.id}>
                  <button
                    type="button"
                    className={`walk-nav-item${p.id === page.id ? ' active' : ''}${status ? ` ${status}` : ''}`}
                    aria-current={p.id === page.id ? 'step' : undefined}
                    onClick={() => update(profile, (x) => goToPage(x, p.id))}
                  >
                    <span className="walk-num" aria-hidden="true">
                      {status === 'done' ? <Icon name="check" /> : status === 'skipped' ? <Icon name="skip" /> : i + 1}
                    </span>
                    <span className="walk-title">{p.title}</span>
                    {status && <span className="sr-only"> ({status})</span>}
                  </button>
                </li>
              );
            })}
          </ol>
        </nav>
        <WalkthroughPage key={page.id} profile={profile} page={page} headingRef={headingRef} />
      </div>
    </section>
  );
}

function WalkthroughPage({ profile, page, headingRef }: { profile: string; page: WalkthroughPageDef; headingRef: React.RefObject<HTMLHeadingElement | null> }) {
  const progress = useWalkthrough(profile);
  const update = useApp((s) => s.updateWalkthrough);
  const report = useApp((s) => s.audits[profile]?.report ?? null);
  const content = PAGE_CONTENT[page.id];
  const status = progress.pages[page.id];
  const index = pageIndex(page.id);
  const prev = adjacentPage(page.id, -1);
  const results = useApp((s) => page.steps.map((st) => s.runs[runKey(profile, st)]?.result?.outcome ?? null).join(','));

  const checks: AuditCheck[] = useMemo(() => {
    if (!report) return [];
    const all = report.checks.filter((c) => page.steps.includes(stepOfCheck(c) ?? ''));
    if (!content.checkFilter) return all;
    const narrowed = all.filter(content.checkFilter);
    return narrowed.length > 0 ? narrowed : all;
  }, [report, page.steps, content]);

  // A page whose steps all came out verified (or had nothing to do) is done.
  useEffect(() => {
    if (page.steps.length === 0 || status === 'done') return;
    const outcomes = results.split(',');
    if (outcomes.every((o) => o === 'verified' || o === 'nothing-to-do')) update(profile, (p) => setPageStatus(p, page.id, 'done'));
  }, [results]);

  const advance = (mark: 'done' | 'skipped' | null) =>
    update(profile, (p) => {
      const marked = mark ? setPageStatus(p, page.id, mark) : p;
      const next = nextOpenPage(marked, page.id);
      return next ? goToPage(marked, next) : marked;
    });

  return (
    <article className="panel walk-page" aria-labelledby="walk-page-title">
      <p className="walk-kicker">
        Page {index + 1} of {WALKTHROUGH_PAGES.length}
        {status && <span className={`pill small-pill ${status === 'done' ? 'ok' : 'neutral'}`}>{status}</span>}
      </p>
      <h2 id="walk-page-title" ref={headingRef} tabIndex={-1}>
        {page.title}
      </h2>
      <p className="walk-lead">{content.lead}</p>
      <div className="walk-body">{content.body}</div>

      {page.id === 'sandbox' && <BaselineBlock profile={profile} />}
      {page.demo && <DemoSection profile={profile} stepId={page.demo} />}
      {page.steps.length > 0 && <AuditChecks checks={checks} hasReport={report !== null} />}
      {page.steps.map((st) => (
        <StepSection key={st} profile={profile} stepId={st} />
      ))}

      <footer className="walk-footer">
        <button type="button" onClick={() => prev && update(profile, (p) => goToPage(p, prev))} disabled={!prev}>
          Back
        </button>
        <span className="spacer" />
        {status === 'done' ? (
          <button type="button" className="ghost" onClick={() => update(profile, (p) => setPageStatus(p, page.id, null))}>
            Mark as not done
          </button>
        ) : (
          <button type="button" className="ghost" onClick={() => advance('skipped')}>
            <Icon name="skip" /> Skip for now
          </button>
        )}
        <button type="button" className="primary" onClick={() => advance(status === 'done' ? null : 'done')}>
          {page.id === 'isolation' && status !== 'done' ? 'Mark as read' : status === 'done' ? 'Next page' : 'Mark done and continue'}
        </button>
      </footer>
    </article>
  );
}

function StepSection({ profile, stepId }: { profile: string; stepId: string }) {
  const step = useApp((s) => s.steps.find((x) => x.id === stepId));
  return (
    <section className="walk-step" aria-label={`Step: ${step?.title ?? stepId}`}>
      <h3>
        <Icon name="shield" /> {step?.title ?? stepId}
      </h3>
      {step && <p className="muted">{step.summary}</p>}
      <StepRunner profile={profile} stepId={stepId} />
    </section>
  );
}

/**
 * The safety net, shown before anything real: a change that locks every user
 * out, applied inside a snapshot, which the engine must notice and revert.
 * Seeing that once is what makes the later steps less frightening.
 */
function DemoSection({ profile, stepId }: { profile: string; stepId: string }) {
  const step = useApp((s) => s.steps.find((x) => x.id === stepId));
  return (
    <section className="walk-step demo" aria-label="Safety net demo">
      <h3>
        <Icon name="undo" /> See the safety net first (optional)
      </h3>
      <p className="muted">
        {step?.summary ?? 'Apply a change that locks everyone out and watch Harden Lab restore the snapshot by itself.'} Nothing is left changed: the result card says what
        failed and what was restored.
      </p>
      <StepRunner profile={profile} stepId={stepId} />
    </section>
  );
}

/** Page 1's own action: the "baseline" snapshot every later change can return to. */
function BaselineBlock({ profile }: { profile: string }) {
  const hasHv = useApp((s) => !!s.profiles.find((p) => p.name === profile)?.hypervisor);
  const list = useApp((s) => s.snapshotLists[profile]);
  const loadSnapshots = useApp((s) => s.loadSnapshots);
  const takeSnapshot = useApp((s) => s.takeSnapshot);
  const connected = useApp((s) => s.connections[profile]?.state === 'connected');
  const update = useApp((s) => s.updateWalkthrough);
  const snapshotOp = useApp((s) => Object.values(s.ops).find((o) => o.kind === 'snapshot' && o.profile === profile && o.status === 'running'));
  const [error, setError] = useState<ErrorView | null>(null);
  const now = useNow(true, 60_000);
  const baseline = list?.data?.snapshots.find((s) => s.name === BASELINE_NAME) ?? null;

  useEffect(() => {
    if (hasHv && !list) void loadSnapshots(profile);
  }, [hasHv]);

  useEffect(() => {
    if (baseline) update(profile, (p) => (p.pages.sandbox === 'done' ? p : setPageStatus(p, 'sandbox', 'done')));
  }, [baseline?.id]);

  const take = async () => {
    setError(null);
    const res = await takeSnapshot(profile, BASELINE_NAME, 'The VM before any hardening (taken by the Harden Lab walkthrough).');
    if (!res.ok) setError(res.error);
  };

  return (
    <section className="walk-step baseline" aria-label="Baseline snapshot">
      <h3>
        <Icon name="camera" /> Baseline snapshot
      </h3>
      {!hasHv ? (
        <p className="notice-inline warn">
          <Icon name="alert" /> This connection is not linked to a hypervisor VM, so Harden Lab cannot take snapshots and will not apply changes. Use the lab VM, or link this
          connection to its VirtualBox VM in Connections.
        </p>
      ) : baseline ? (
        <p className="result-banner ok" role="status">
          <Icon name="check" size={20} />
          <span>
            The baseline “{baseline.name}” exists{baseline.createdAt ? `: taken ${formatDateTime(baseline.createdAt)} (${formatRelative(baseline.createdAt, now)})` : ''}. You can
            always return to it with Revert.
          </span>
        </p>
      ) : (
        <>
          <p className="muted">No snapshot named “{BASELINE_NAME}” yet.</p>
          {snapshotOp && <OpProgress opId={snapshotOp.id} showLog={false} idleMessage="Taking the snapshot…" />}
          {error && <ErrorBox error={error} compact />}
          {list?.error && <ErrorBox error={list.error} compact />}
          <button type="button" className="primary" onClick={() => void take()} disabled={!!snapshotOp || !list?.data}>
            Take the baseline snapshot
          </button>
          {!connected && <p className="muted small">The snapshot is taken through the hypervisor; the VM does not need to be connected.</p>}
        </>
      )}
    </section>
  );
}
