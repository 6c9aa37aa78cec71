import { useShallow } from 'zustand/react/shallow';
import { useEffect, useState, type FormEvent } from 'react';
import { explainInvalidName } from '../../../../shared/names';
import { ErrorBox } from '../../components/ErrorBox';
import { Icon } from '../../components/Icon';
import { OpProgress } from '../../components/OpProgress';
import { uniqueName } from '../../../../shared/profile-name';
import { useApp } from '../../store';

/** "Create a disposable lab VM": builds (once) and boots the QEMU lab, with live progress and Cancel. */
export function LabSetup() {
  const lab = useApp((s) => s.lab);
  const labs = useApp((s) => s.labs);
  const loadLabs = useApp((s) => s.loadLabs);
  const labUp = useApp((s) => s.labUp);
  const clearLabRun = useApp((s) => s.clearLabRun);
  const taken = useApp(useShallow((s) => s.profiles.map((p) => p.name)));
  const setView = useApp((s) => s.setView);
  const [name, setName] = useState(() => uniqueName('lab', taken));
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void loadLabs();
  }, [loadLabs]);

  const start = (e: FormEvent) => {
    e.preventDefault();
    const problem = explainInvalidName('profile', name.trim());
    setError(problem);
    if (!problem) void labUp(name.trim());
  };

  if (lab?.status === 'running') {
    return (
      <section className="panel setup-panel" aria-labelledby="lab-title">
        <h2 id="lab-title">Creating the lab VM “{lab.name}”</h2>
        <p className="muted">
          The first build installs Debian 12 from Debian's packages, a kernel and a boot loader into a disk image (several minutes, mostly downloading and unpacking). Later
          starts reuse the image and take about 20 seconds. You can use the rest of the app meanwhile.
        </p>
        <OpProgress opId={lab.opId} title="Building and starting" idleMessage="Preparing the build…" logHeight="lg" />
      </section>
    );
  }

  if (lab?.status === 'done' && lab.info) {
    return (
      <section className="panel setup-panel" aria-labelledby="lab-title">
        <div className="result-banner ok" role="status">
          <Icon name="check" size={22} />
          <div>
            <h2 id="lab-title">The lab VM “{lab.info.name}” is running</h2>
            <p className="muted">
              SSH on {lab.info.host}:{lab.info.port} as {lab.info.user}; its host key ({lab.info.hostKeyFingerprint}) was recorded when it was built, so no prompt is needed.
              {lab.info.accel ? ` Acceleration: ${lab.info.accel}.` : ''}
            </p>
          </div>
        </div>
        <div className="form-actions">
          <button type="button" className="primary" onClick={() => setView('walkthrough')}>
            Start the walkthrough
          </button>
          <button type="button" onClick={() => setView('dashboard')}>
            Open the dashboard
          </button>
        </div>
      </section>
    );
  }

  return (
    <section className="panel setup-panel" aria-labelledby="lab-title">
      <h2 id="lab-title">Create a disposable lab VM</h2>
      <ul className="feature-list">
        <li>Debian 12 under QEMU on this computer, with its own disk, kernel and boot loader, so kernel upgrades are real.</li>
        <li>Deliberately weak like a fresh host: root login and password login allowed, the usual kernel modules loadable, default kernel settings.</li>
        <li>A <code>lab</code> user with sudo and your SSH key; SSH listens on 127.0.0.1 only.</li>
        <li>Snapshots are instant, so every change can be undone in a second.</li>
      </ul>
      {lab?.status === 'failed' && lab.error && (
        <ErrorBox error={lab.error} title="The lab VM could not be created">
          <button type="button" onClick={clearLabRun}>
            Dismiss
          </button>
        </ErrorBox>
      )}
      {lab?.status === 'cancelled' && (
        <p className="notice-inline" role="status">
          <Icon name="info" /> Cancelled. A half-made build is not kept; start again when you like.
        </p>
      )}
      <form className="form inline-form" onSubmit={start} noValidate>
        <div className="field">
          <label htmlFor="lab-name">Connection name</label>
          <input id="lab-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!error} aria-describedby={error ? 'lab-name-error' : undefined} />
          {error && (
            <p className="field-error" id="lab-name-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="primary">
          {lab?.status === 'failed' || lab?.status === 'cancelled' ? 'Try again' : 'Create the lab VM'}
        </button>
      </form>
      {labs.length > 0 && (
        <div className="existing-labs">
          <h3>Lab VMs already built here</h3>
          <ul className="list">
            {labs.map((l) => (
              <li key={l.name} className="list-row">
                <div>
                  <strong>{l.name}</strong>{' '}
                  <span className="muted small">
                    {l.user}@{l.host}:{l.port} · {l.state ?? 'state unknown'}
                  </span>
                </div>
                <button type="button" onClick={() => void labUp(l.name)}>
                  Start “{l.name}”
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
