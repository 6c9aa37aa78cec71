import { ConnectionPill } from '../components/ConnectionControl';
import { ErrorBox } from '../components/ErrorBox';
import { Icon } from '../components/Icon';
import { useOpEvents } from '../components/OpProgress';
import { latestEvent } from '../lib/phases';
import { kernelUpdateStatus } from '../lib/stepAudit';
import { runKey, useApp } from '../store';

export function SystemCard({ profile }: { profile: string }) {
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
