import { useApp } from '../store';

export function DashboardView() {
  const profiles = useApp((s) => s.profiles);
  const active = useApp((s) => s.activeProfile);
  const setView = useApp((s) => s.setView);
  const loaded = useApp((s) => s.profilesLoaded);
  const profile = profiles.find((p) => p.name === active);

  if (!loaded) {
    return (
      <section className="view">
        <p className="muted">Loading…</p>
      </section>
    );
  }

  if (!profile) {
    return (
      <section className="view">
        <header className="view-header">
          <h1>Welcome to Harden Lab</h1>
          <p className="lead">Try host and kernel hardening on a lab VM, with a snapshot to go back to before every change.</p>
        </header>
        <div className="cards">
          <article className="card">
            <h2>Connect to a VM</h2>
            <p>Give Harden Lab the SSH address of a lab VM. Each change is previewed as a diff, applied inside a snapshot, and proved before it is kept.</p>
            <button type="button" className="primary" onClick={() => setView('connections')}>
              Add a connection
            </button>
          </article>
          <article className="card">
            <h2>Check this machine</h2>
            <p>See which hypervisors and tools are installed here and what to install for the rest.</p>
            <button type="button" onClick={() => setView('system')}>
              Run the system check
            </button>
          </article>
        </div>
      </section>
    );
  }

  return (
    <section className="view">
      <header className="view-header">
        <h1>{profile.name}</h1>
        <p className="lead">
          {profile.user}@{profile.host}:{profile.port}
          {profile.hypervisor ? ` · ${profile.hypervisor.kind} VM “${profile.hypervisor.vm}”` : ' · no hypervisor linked'}
        </p>
      </header>
      <div className="cards">
        <article className="card">
          <h2>Connection</h2>
          <dl className="facts">
            <dt>Authentication</dt>
            <dd>{profile.auth.kind === 'key' ? `key ${profile.auth.keyPath}` : profile.auth.kind}</dd>
            <dt>Elevation</dt>
            <dd>{profile.elevation}</dd>
            <dt>Host key</dt>
            <dd>{profile.pinnedHostKey ? 'recorded when the VM was built' : 'verified on first connection'}</dd>
          </dl>
        </article>
      </div>
    </section>
  );
}
