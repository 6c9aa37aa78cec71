import { useShallow } from 'zustand/react/shallow';
import { hypervisorLabel } from '../../../shared/hypervisor-kinds';
import { ConnectionPill } from '../components/ConnectionControl';
import { ErrorBox } from '../components/ErrorBox';
import { Icon } from '../components/Icon';
import { OpProgress, useOpEvents } from '../components/OpProgress';
import { useNow } from '../hooks/useNow';
import { useWalkthrough } from '../hooks/useWalkthrough';
import { formatDateTime, formatRelative } from '../lib/format';
import { latestEvent } from '../lib/phases';
import { currentSnapshot } from '../lib/snapshotTree';
import { failingChecks, kernelUpdateStatus } from '../lib/stepAudit';
import { summarize } from '../lib/walkthrough';
import { runKey, useApp } from '../store';
import { FirstRunView } from './firstrun/FirstRunView';
import { OpenExperiments } from './journal/OpenExperiments';

export function DashboardView() {
  const loaded = useApp((s) => s.profilesLoaded);
  const hasProfile = useApp((s) => s.profiles.some((p) => p.name === s.activeProfile));
  const booted = useApp((s) => s.booted);
  if (!loaded) {
    return (
      <section className="view" aria-busy={!booted}>
        <div className="skeleton-title" />
        <div className="cards">
          <div className="card skeleton-card" />
          <div className="card skeleton-card" />
        </div>
      </section>
    );
  }
  if (!hasProfile) return <FirstRunView />;
  return <VmDashboard />;
}

function VmDashboard() {
  const profile = useApp((s) => s.profiles.find((p) => p.name === s.activeProfile)!);
  const name = profile.name;
  return (
    <section className="view">
      <header className="view-header">
        <h1>{name}</h1>
        <p className="lead">
          {profile.user}@{profile.host}:{profile.port}
          {profile.hypervisor ? ` · ${hypervisorLabel(profile.hypervisor.kind)} VM` : ' · no hypervisor linked'}
        </p>
      </header>
      <OpenExperiments profile={name} />
      <div className="cards dashboard-cards">
        <SystemCard profile={name} />
        <VmCard profile={name} />
        <SnapshotCard profile={name} />
        <AuditCard profile={name} />
        <WalkthroughCard profile={name} />
      </div>
    </section>
  );
}

function SystemCard({ profile }: { profile: string }) {
  const conn = useApp((s) => s.connections[profile]);
  const connect = useApp((s) => s.connect);
  const isLab = useApp((s) => s.profiles.find((p) => p.name === profile)?.origin === 'lab');
  const labUp = useApp((s) => s.labUp);
  const labRunning = useApp((s) => s.lab?.status === 'running');
  const report = useApp((s) => s.audits[profile]?.report ?? null);
  const kernelPlan = useApp((s) => s.runs[runKey(profile, 'kernel')]?.plan ?? null);
  const setView = useApp((s) => s.setView);
  const selectStep = useApp((s) => s.selectStep);
  const events = useOpEvents(conn?.opId);
  const state = conn?.state ?? 'disconnected';
  const r = conn?.result;
  const kernel = kernelUpdateStatus(report, kernelPlan);

  return (
    <article className="card" aria-labelledby="card-system">
      <div className="card-head">
        <h2 id="card-system">System</h2>
        <ConnectionPill state={state} />
      </div>
      {state === 'connecting' && <p className="muted small">{latestEvent(events)?.message ?? 'Opening the SSH connection…'}</p>}
      {state === 'reconnecting' && <p className="muted small">{conn?.message ?? 'Waiting for the VM to answer again…'}</p>}
      {conn?.error && state === 'failed' && (
        <ErrorBox error={conn.error} compact>
          <button type="button" onClick={() => void connect(profile)}>
            Try again
          </button>
          {isLab && (
            <button type="button" onClick={() => void labUp(profile)} disabled={labRunning}>
              {labRunning ? 'Starting the lab VM…' : 'Start the lab VM'}
            </button>
          )}
        </ErrorBox>
      )}
      {state === 'disconnected' && !conn?.error && (
        <p className="muted">
          Not connected.{' '}
          <button type="button" className="linkish" onClick={() => void connect(profile)}>
            Connect
          </button>
        </p>
      )}
      {state === 'disconnected' && conn?.error && <ErrorBox error={conn.error} compact />}
      <dl className="facts">
        <dt>Distribution</dt>
        <dd>{r?.os ?? <span className="muted">—</span>}</dd>
        <dt>Kernel</dt>
        <dd>
          {r?.kernel ? <span className="mono">{r.kernel}</span> : <span className="muted">—</span>}
          {kernel.known && (
            <span className={`kernel-note ${kernel.available ? 'warn' : 'ok'}`}>
              {kernel.available ? (
                <>
                  <Icon name="alert" /> A newer kernel is available.{' '}
                  <button
                    type="button"
                    className="linkish"
                    onClick={() => {
                      selectStep('kernel');
                      setView('steps');
                    }}
                  >
                    Upgrade
                  </button>
                </>
              ) : (
                <>
                  <Icon name="check" /> Up to date
                </>
              )}
            </span>
          )}
        </dd>
        <dt>Signed in</dt>
        <dd>{r ? `${r.authMethod} · ${r.elevation === 'none' ? 'no elevation' : r.elevation}` : <span className="muted">—</span>}</dd>
        <dt>Host key</dt>
        <dd>
          {r ? (
            <>
              <span className="mono small">{r.hostKey.fingerprint}</span>
              <span className="muted small"> ({r.hostKey.keyType}{r.hostKey.status ? `, ${r.hostKey.status}` : ''})</span>
            </>
          ) : (
            <span className="muted">—</span>
          )}
        </dd>
      </dl>
    </article>
  );
}

const VM_STATE_TONE: Record<string, string> = { running: 'ok', restoring: 'busy', starting: 'busy', stopping: 'busy', saving: 'busy', aborted: 'bad', paused: 'warn' };

function VmCard({ profile }: { profile: string }) {
  const p = useApp((s) => s.profiles.find((x) => x.name === profile));
  const vm = useApp((s) => s.vmStates[profile]);
  const load = useApp((s) => s.loadVmState);
  const setView = useApp((s) => s.setView);
  return (
    <article className="card" aria-labelledby="card-vm">
      <div className="card-head">
        <h2 id="card-vm">Virtual machine</h2>
        {p?.hypervisor && (
          <button type="button" className="ghost small" onClick={() => void load(profile)} disabled={vm?.loading} aria-label="Refresh VM state">
            {vm?.loading ? 'Refreshing…' : 'Refresh'}
          </button>
        )}
      </div>
      {!p?.hypervisor ? (
        <>
          <p className="muted">This connection is not linked to a hypervisor VM: no snapshots, no revert, and Harden Lab will not apply changes without a way back.</p>
          <button type="button" onClick={() => setView('connections')}>
            Link a VM in Connections
          </button>
        </>
      ) : (
        <>
          {vm?.error && <ErrorBox error={vm.error} compact />}
          <dl className="facts">
            <dt>Hypervisor</dt>
            <dd>{hypervisorLabel(p.hypervisor.kind)}</dd>
            <dt>VM</dt>
            <dd>{vm?.data?.name ?? p.hypervisor.vm}</dd>
            <dt>State</dt>
            <dd>
              {vm?.data ? <span className={`pill small-pill ${VM_STATE_TONE[vm.data.state] ?? 'neutral'}`}>{vm.data.state}</span> : <span className="muted">{vm?.loading ? 'reading…' : '—'}</span>}
            </dd>
            {vm?.data?.sshForward && (
              <>
                <dt>SSH forward</dt>
                <dd className="mono">
                  {vm.data.sshForward.host}:{vm.data.sshForward.port}
                </dd>
              </>
            )}
          </dl>
        </>
      )}
    </article>
  );
}

function SnapshotCard({ profile }: { profile: string }) {
  const hasHv = useApp((s) => !!s.profiles.find((x) => x.name === profile)?.hypervisor);
  const list = useApp((s) => s.snapshotLists[profile]);
  const setView = useApp((s) => s.setView);
  const openRevert = useApp((s) => s.openRevertDialog);
  const now = useNow(true, 60_000);
  const current = currentSnapshot(list?.data);
  if (!hasHv) return null;
  return (
    <article className="card" aria-labelledby="card-snap">
      <div className="card-head">
        <h2 id="card-snap">Snapshot</h2>
      </div>
      {list?.error && <ErrorBox error={list.error} compact />}
      {!list?.data && !list?.error && <div className="skeleton-line" aria-label="Loading snapshots" />}
      {list?.data && (
        <>
          {current ? (
            <p>
              The VM descends from <strong>“{current.name}”</strong>
              {current.createdAt && (
                <span className="muted">
                  {' '}
                  · taken {formatDateTime(current.createdAt)} ({formatRelative(current.createdAt, now)})
                </span>
              )}
              .
            </p>
          ) : (
            <p className="muted">{list.data.snapshots.length === 0 ? 'No snapshot yet: take a baseline before the first change.' : 'No current snapshot.'}</p>
          )}
          <p className="muted small">
            {list.data.snapshots.length} {list.data.snapshots.length === 1 ? 'snapshot' : 'snapshots'} in total.
          </p>
        </>
      )}
      <div className="card-actions">
        <button type="button" onClick={() => setView('snapshots')}>
          Snapshots
        </button>
        <button type="button" onClick={() => openRevert(null)} disabled={!list?.data || list.data.snapshots.length === 0}>
          Revert…
        </button>
      </div>
    </article>
  );
}

function AuditCard({ profile }: { profile: string }) {
  const audit = useApp((s) => s.audits[profile]);
  const runAudit = useApp((s) => s.runAudit);
  const connected = useApp((s) => s.connections[profile]?.state === 'connected');
  const setView = useApp((s) => s.setView);
  const selectStep = useApp((s) => s.selectStep);
  const setStepOptions = useApp((s) => s.setStepOptions);
  const stepTitles = useApp(useShallow((s) => Object.fromEntries(s.steps.map((x) => [x.id, x.title]))));
  const now = useNow(true, 60_000);
  const report = audit?.report ?? null;
  const failing = failingChecks(report).slice(0, 5);

  return (
    <article className="card audit-card" aria-labelledby="card-audit">
      <div className="card-head">
        <h2 id="card-audit">Audit</h2>
        <button type="button" className="small" onClick={() => void runAudit(profile)} disabled={!connected || audit?.running}>
          {audit?.running ? 'Auditing…' : report ? 'Run again' : 'Run audit'}
        </button>
      </div>
      {audit?.running && audit.opId && <OpProgress opId={audit.opId} showLog={false} idleMessage="Reading the VM's configuration…" />}
      {audit?.error && <ErrorBox error={audit.error} compact />}
      {report ? (
        <>
          <div className="score">
            <meter min={0} max={100} low={50} high={80} optimum={100} value={report.score.percent} aria-label="Audit score">
              {report.score.percent}%
            </meter>
            <span className="score-number">{Math.round(report.score.percent)}%</span>
            <span className="muted small">
              {report.score.passed} of {report.score.total} checks pass · {formatRelative(report.at, now)}
            </span>
          </div>
          {failing.length > 0 && (
            <ul className="failing-checks" aria-label="Failing checks">
              {failing.map((c) => (
                <li key={c.id}>
                  <Icon name="x" className="bad-icon" />
                  <span>{c.title}</span>
                  {c.fixStep && (
                    <button
                      type="button"
                      className="linkish small"
                      onClick={() => {
                        // A check names a step when that step's plan with its default options closes it
                        // (steps/audit-fix.test.ts), so the link opens the step with those, not with options chosen earlier.
                        setStepOptions(profile, c.fixStep!, null);
                        selectStep(c.fixStep!);
                        setView('steps');
                      }}
                    >
                      Fix: {stepTitles[c.fixStep] ?? c.fixStep}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        !audit?.running && !audit?.error && <p className="muted">{connected ? 'No audit yet for this VM.' : 'Connect to audit this VM.'}</p>
      )}
    </article>
  );
}

function WalkthroughCard({ profile }: { profile: string }) {
  const setView = useApp((s) => s.setView);
  const sum = summarize(useWalkthrough(profile));
  return (
    <article className="card" aria-labelledby="card-walk">
      <div className="card-head">
        <h2 id="card-walk">Guided walkthrough</h2>
      </div>
      <p className="muted">The container-host hardening guide, one page at a time, each change inside a snapshot.</p>
      <div className="walk-progress-inline">
        <progress max={sum.total} value={sum.done} aria-label="Walkthrough pages done" />
        <span className="small">
          {sum.done} of {sum.total} done{sum.skipped ? `, ${sum.skipped} skipped` : ''}
        </span>
      </div>
      <div className="card-actions">
        <button type="button" className="primary" onClick={() => setView('walkthrough')}>
          {sum.done === 0 ? 'Start the walkthrough' : sum.done === sum.total ? 'Review the walkthrough' : 'Continue the walkthrough'}
        </button>
      </div>
    </article>
  );
}
