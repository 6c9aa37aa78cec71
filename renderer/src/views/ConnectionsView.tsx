import { useState } from 'react';
import { hypervisorLabel } from '../../../shared/hypervisor-kinds';
import type { Profile } from '../../../shared/profile';
import { call, errorText, type ErrorView } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ConnectionPill } from '../components/ConnectionControl';
import { ErrorBox } from '../components/ErrorBox';
import { useApp } from '../store';
import { SetupChoices } from './firstrun/SetupChoices';

function describe(p: Profile): string {
  const auth = p.auth.kind === 'key' ? `key ${p.auth.keyPath}` : p.auth.kind === 'agent' ? 'SSH agent' : 'password';
  const hv = p.hypervisor ? ` · ${hypervisorLabel(p.hypervisor.kind)} VM ${p.hypervisor.vm}` : ' · no hypervisor';
  return `${p.user}@${p.host}:${p.port} · ${auth}${hv}`;
}

export function ConnectionsView() {
  const profiles = useApp((s) => s.profiles);
  const active = useApp((s) => s.activeProfile);
  const connections = useApp((s) => s.connections);
  const selectProfile = useApp((s) => s.selectProfile);
  const connect = useApp((s) => s.connect);
  const disconnect = useApp((s) => s.disconnect);
  const deleteProfile = useApp((s) => s.deleteProfile);
  const saveProfile = useApp((s) => s.saveProfile);
  const notify = useApp((s) => s.notify);
  const labRunning = useApp((s) => s.lab?.status === 'running');
  const [adding, setAdding] = useState(profiles.length === 0 || labRunning);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [forget, setForget] = useState<Profile | null>(null);
  const [rowError, setRowError] = useState<{ name: string; error: ErrorView } | null>(null);
  const [imports, setImports] = useState<{ loading: boolean; candidates: Profile[] | null; error: ErrorView | null }>({ loading: false, candidates: null, error: null });

  const doDelete = async (name: string) => {
    setConfirmDelete(null);
    const res = await deleteProfile(name);
    if (!res.ok) setRowError({ name, error: res.error });
    else notify({ level: 'info', message: `Deleted the connection “${name}”.` });
  };

  const doForget = async (p: Profile) => {
    setForget(null);
    try {
      const { removed } = await call('ssh.forgetHostKey', { host: p.host, port: p.port });
      notify({ level: 'success', message: removed > 0 ? `Forgot the stored host key of ${p.host}:${p.port}.` : `No stored host key for ${p.host}:${p.port}.`, hint: 'The next connection asks you to check its fingerprint.' });
    } catch (e) {
      setRowError({ name: p.name, error: errorText(e) });
    }
  };

  const loadImports = async () => {
    setImports({ loading: true, candidates: null, error: null });
    try {
      const { candidates } = await call('profiles.importSshConfig', {});
      setImports({ loading: false, candidates, error: null });
    } catch (e) {
      setImports({ loading: false, candidates: null, error: errorText(e) });
    }
  };

  const addImported = async (p: Profile) => {
    const res = await saveProfile(p);
    if (res.ok) {
      notify({ level: 'success', message: `Added “${p.name}” from ~/.ssh/config.` });
      setImports((s) => ({ ...s, candidates: s.candidates?.filter((c) => c.name !== p.name) ?? null }));
    } else setImports((s) => ({ ...s, error: res.error }));
  };

  return (
    <section className="view">
      <header className="view-header">
        <h1>Connections</h1>
        <p className="lead">The VMs Harden Lab can reach over SSH. Passwords and private keys never leave this machine's core process.</p>
      </header>

      <div className="panel">
        <div className="panel-header">
          <h2>Saved connections</h2>
          <div className="row-actions">
            <button type="button" onClick={() => void loadImports()} disabled={imports.loading}>
              {imports.loading ? 'Reading ~/.ssh/config…' : 'Import from ~/.ssh/config'}
            </button>
            {!adding && (
              <button type="button" className="primary" onClick={() => setAdding(true)}>
                New connection
              </button>
            )}
          </div>
        </div>
        {profiles.length === 0 ? (
          <p className="muted">No connection yet. Add one below.</p>
        ) : (
          <ul className="list">
            {profiles.map((p) => {
              const state = connections[p.name]?.state ?? 'disconnected';
              return (
                <li key={p.name} className={`list-row${p.name === active ? ' active-row' : ''}`}>
                  <div className="list-main">
                    <div className="list-title">
                      <strong>{p.name}</strong>
                      {p.name === active && <span className="pill neutral small-pill">active</span>}
                      <ConnectionPill state={state} />
                    </div>
                    <span className="muted small">{describe(p)}</span>
                    {rowError?.name === p.name && <ErrorBox error={rowError.error} compact />}
                  </div>
                  <div className="row-actions">
                    {p.name !== active && (
                      <button type="button" className="ghost" onClick={() => selectProfile(p.name)} aria-label={`Use ${p.name}`}>
                        Use
                      </button>
                    )}
                    {state === 'connected' ? (
                      <button type="button" className="ghost" onClick={() => void disconnect(p.name)} aria-label={`Disconnect ${p.name}`}>
                        Disconnect
                      </button>
                    ) : (
                      <button type="button" className="ghost" onClick={() => void connect(p.name)} disabled={state === 'connecting' || state === 'reconnecting'} aria-label={`Connect ${p.name}`}>
                        Connect
                      </button>
                    )}
                    <button type="button" className="ghost" onClick={() => setForget(p)} aria-label={`Forget host key of ${p.name}`}>
                      Forget host key
                    </button>
                    <button type="button" className="ghost" onClick={() => setConfirmDelete(p.name)} aria-label={`Delete ${p.name}`}>
                      Delete
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </div>

      {(imports.candidates || imports.error) && (
        <div className="panel">
          <div className="panel-header">
            <h2>Hosts in ~/.ssh/config</h2>
            <button type="button" className="ghost small" onClick={() => setImports({ loading: false, candidates: null, error: null })}>
              Close
            </button>
          </div>
          {imports.error && <ErrorBox error={imports.error} compact />}
          {imports.candidates && imports.candidates.length === 0 && <p className="muted">No host entries that Harden Lab can use were found.</p>}
          {imports.candidates && imports.candidates.length > 0 && (
            <ul className="list">
              {imports.candidates.map((c) => (
                <li key={c.name} className="list-row">
                  <div className="list-main">
                    <strong>{c.name}</strong>
                    <span className="muted small">{describe(c)}</span>
                  </div>
                  <button type="button" onClick={() => void addImported(c)} disabled={profiles.some((p) => p.name === c.name)}>
                    {profiles.some((p) => p.name === c.name) ? 'Added' : 'Add'}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}

      {adding && (
        <div className="add-connection">
          <div className="panel-header">
            <h2>Add a VM</h2>
            {profiles.length > 0 && (
              <button type="button" className="ghost small" onClick={() => setAdding(false)}>
                Close
              </button>
            )}
          </div>
          <SetupChoices initial={labRunning ? 'lab' : profiles.length === 0 ? null : 'manual'} onDone={() => setAdding(false)} />
        </div>
      )}

      {confirmDelete && (
        <ConfirmDialog title={`Delete the connection “${confirmDelete}”?`} confirmLabel="Delete" cancelLabel="Keep" onConfirm={() => void doDelete(confirmDelete)} onCancel={() => setConfirmDelete(null)}>
          <p>Harden Lab forgets how to reach this VM. The VM itself and its snapshots stay in the hypervisor; the journal of its experiments is kept.</p>
        </ConfirmDialog>
      )}
      {forget && (
        <ConfirmDialog
          title={`Forget the host key of ${forget.host}:${forget.port}?`}
          confirmLabel="Forget host key"
          tone="warn"
          onConfirm={() => void doForget(forget)}
          onCancel={() => setForget(null)}
        >
          <p>Do this only if you know why the key changed (you rebuilt or reinstalled the VM). The next connection shows the new fingerprint for you to check before trusting it.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
