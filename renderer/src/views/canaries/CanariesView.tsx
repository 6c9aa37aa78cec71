import { useEffect, useState } from 'react';
import { describeCanary, LOGIN_CANARY } from '../../../../shared/canary';
import type { ErrorView } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { NoVm } from '../../components/NoVm';
import { OpProgress } from '../../components/OpProgress';
import { emptyCanaries, useApp } from '../../store';
import { CanaryForm } from './CanaryForm';

/**
 * The profile's canaries: checks that say "this host still does its job".
 * They run before every change and again in its verify; one that breaks
 * makes the engine revert. The fresh SSH login is the built-in one.
 */
export function CanariesView() {
  const profile = useApp((s) => s.activeProfile);
  const entry = useApp((s) => (s.activeProfile ? (s.canaries[s.activeProfile] ?? emptyCanaries) : emptyCanaries));
  const load = useApp((s) => s.loadCanaries);
  const run = useApp((s) => s.runCanaries);
  const remove = useApp((s) => s.removeCanary);
  const connected = useApp((s) => (s.activeProfile ? s.connections[s.activeProfile]?.state === 'connected' : false));
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);
  const [removeError, setRemoveError] = useState<ErrorView | null>(null);

  useEffect(() => {
    if (profile) void load(profile);
  }, [profile, load]);
  if (!profile) return <NoVm title="Canaries" />;
  const results = new Map((entry.lastRun?.results ?? []).map((r) => [r.name, r]));
  const rows = [{ name: LOGIN_CANARY, kind: 'login', what: 'a fresh SSH login with the profile’s credentials, then an elevated command (built in)', builtIn: true }, ...(entry.list ?? []).map((c) => ({ name: c.name, kind: c.kind, what: c.description ? `${describeCanary(c)} (${c.description})` : describeCanary(c), builtIn: false }))];

  return (
    <section className="view">
      <header className="view-header">
        <h1>Canaries</h1>
        <p className="lead">
          Checks that say “{profile} still does its job”. Every change runs them before it touches anything and again when it is verified: a canary that passed before and fails after makes Harden Lab put the snapshot back. One that already fails before is reported and not counted.
        </p>
      </header>
      {entry.error && (
        <ErrorBox error={entry.error} title="The canaries could not be read">
          <button type="button" onClick={() => void load(profile)}>
            Try again
          </button>
        </ErrorBox>
      )}
      <div className="panel">
        <div className="panel-header">
          <h2>On {profile}</h2>
          <div className="form-actions" style={{ marginTop: 0 }}>
            <button type="button" onClick={() => void run(profile)} disabled={!connected || entry.running} title={connected ? undefined : 'Connect to the VM first'}>
              {entry.running ? 'Running…' : 'Run now'}
            </button>
            <button type="button" className="primary" onClick={() => setAdding(true)} disabled={adding}>
              Add canary
            </button>
          </div>
        </div>
        {entry.running && entry.runOpId && <OpProgress opId={entry.runOpId} title="Running the canaries" logHeight="sm" />}
        {entry.runError && <ErrorBox error={entry.runError} title="The canaries could not be run" compact />}
        <table className="table" aria-label="Canaries">
          <thead>
            <tr>
              <th scope="col">Canary</th>
              <th scope="col">Checks</th>
              <th scope="col">Last run</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const res = results.get(r.name);
              return (
                <tr key={r.name}>
                  <th scope="row" className="mono">
                    {r.name}
                    <div className="small muted">{r.kind}</div>
                  </th>
                  <td>{r.what}</td>
                  <td>
                    {res ? (
                      <>
                        <span className={res.ok ? 'pill ok' : 'pill bad'}>{res.ok ? 'pass' : 'FAIL'}</span>
                        <div className="small mono evidence-inline">{res.evidence}</div>
                      </>
                    ) : (
                      <span className="muted small">not run yet</span>
                    )}
                  </td>
                  <td>
                    {!r.builtIn && (
                      <button type="button" className="small" onClick={() => setRemoving(r.name)} aria-label={`Remove ${r.name}`}>
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {entry.lastRun && <p className="small muted">Last run {new Date(entry.lastRun.at).toLocaleString()}.</p>}
      </div>
      {adding && <CanaryForm profile={profile} onDone={() => setAdding(false)} />}
      {removeError && <ErrorBox error={removeError} title="The canary was not removed" compact />}
      {removing && (
        <ConfirmDialog
          title={`Remove the canary “${removing}”?`}
          confirmLabel="Remove"
          onCancel={() => setRemoving(null)}
          onConfirm={() => {
            const name = removing;
            setRemoving(null);
            void remove(profile, name).then((r) => setRemoveError(r.ok ? null : r.error));
          }}
        >
          <p>Changes from now on no longer check it. Experiments already recorded keep their results.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
