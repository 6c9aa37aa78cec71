import { useEffect, useState } from 'react';
import type { Res } from '../../../shared/contract';
import { call, errorText } from '../api/client';
import { useApp } from '../store';

export function SystemView() {
  const info = useApp((s) => s.info);
  const [doctor, setDoctor] = useState<Res<'app.doctor'> | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; hint?: string } | null>(null);

  const runCheck = async () => {
    setBusy(true);
    setError(null);
    try {
      setDoctor(await call('app.doctor', {}));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void runCheck();
  }, []);

  return (
    <section className="view">
      <header className="view-header">
        <h1>System check</h1>
        <p className="lead">What this machine can do for Harden Lab, and what to install for the rest.</p>
      </header>
      {info && (
        <div className="panel">
          <dl className="facts">
            <dt>Version</dt>
            <dd>{info.version}</dd>
            <dt>Running as</dt>
            <dd>{info.door === 'electron' ? 'desktop app' : info.door === 'browser' ? 'browser mode (local server)' : 'command line'}</dd>
            <dt>Platform</dt>
            <dd>{info.platform}</dd>
            <dt>Data folder</dt>
            <dd className="mono">{info.dataDir}</dd>
          </dl>
        </div>
      )}
      <div className="panel">
        <div className="panel-header">
          <h2>Tools</h2>
          <button type="button" onClick={() => void runCheck()} disabled={busy}>
            {busy ? 'Checking…' : 'Check again'}
          </button>
        </div>
        {error && (
          <p className="error" role="alert">
            {error.message} {error.hint}
          </p>
        )}
        {busy && !doctor && <p className="muted">Checking installed tools…</p>}
        {doctor && (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Tool</th>
                <th scope="col">Status</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {doctor.tools.map((t) => (
                <tr key={t.name}>
                  <td className="mono">{t.name}</td>
                  <td>
                    <span className={t.found ? 'pill ok' : 'pill warn'}>{t.found ? 'found' : 'missing'}</span>
                  </td>
                  <td>
                    {t.version && <div className="mono small">{t.version}</div>}
                    <div className="small muted">{t.detail}</div>
                    {!t.found && t.install && <div className="small">Install: <code>{t.install}</code></div>}
                  </td>
                </tr>
              ))}
              <tr>
                <td className="mono">KVM</td>
                <td>
                  <span className={doctor.kvm.usable ? 'pill ok' : 'pill warn'}>{doctor.kvm.usable ? 'usable' : 'not usable'}</span>
                </td>
                <td className="small muted">{doctor.kvm.detail}</td>
              </tr>
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
