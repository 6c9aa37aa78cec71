import { useState, type FormEvent } from 'react';
import { ProfileSchema, type Profile } from '../../../shared/profile';
import { errorText } from '../api/client';
import { useApp } from '../store';

interface Draft {
  name: string;
  host: string;
  port: string;
  user: string;
  authKind: 'key' | 'agent' | 'password';
  keyPath: string;
  hypervisor: '' | 'virtualbox' | 'qemu';
  vm: string;
  elevation: 'auto' | 'sudo' | 'doas' | 'none';
}

const EMPTY: Draft = { name: '', host: '127.0.0.1', port: '22', user: '', authKind: 'key', keyPath: '~/.ssh/id_ed25519', hypervisor: '', vm: '', elevation: 'auto' };

function toProfile(d: Draft): { profile?: Profile; errors: Record<string, string> } {
  const candidate = {
    name: d.name.trim(),
    host: d.host.trim(),
    port: Number(d.port),
    user: d.user.trim(),
    auth: d.authKind === 'key' ? { kind: 'key' as const, keyPath: d.keyPath.trim() } : { kind: d.authKind },
    ...(d.hypervisor ? { hypervisor: { kind: d.hypervisor, vm: d.vm.trim() } } : {}),
    elevation: d.elevation,
    origin: 'manual' as const,
  };
  const parsed = ProfileSchema.safeParse(candidate);
  if (parsed.success) return { profile: parsed.data, errors: {} };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    errors[key] ??= issue.message;
  }
  return { errors };
}

export function ConnectionsView() {
  const profiles = useApp((s) => s.profiles);
  const saveProfile = useApp((s) => s.saveProfile);
  const deleteProfile = useApp((s) => s.deleteProfile);
  const notify = useApp((s) => s.notify);
  const [draft, setDraft] = useState<Draft | null>(profiles.length === 0 ? EMPTY : null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => (d ? { ...d, [k]: v } : d));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    const { profile, errors: errs } = toProfile(draft);
    setErrors(errs);
    if (!profile) return;
    setSaving(true);
    try {
      await saveProfile(profile);
      notify({ level: 'success', message: `Saved the connection “${profile.name}”.` });
      setDraft(null);
    } catch (err) {
      const t = errorText(err);
      setErrors({ form: `${t.message}${t.hint ? ' ' + t.hint : ''}` });
    } finally {
      setSaving(false);
    }
  };

  const field = (key: string, label: string, input: React.JSX.Element, help?: string) => (
    <div className="field">
      <label htmlFor={`f-${key}`}>{label}</label>
      {input}
      {help && !errors[key] && <p className="help">{help}</p>}
      {errors[key] && (
        <p className="field-error" id={`e-${key}`} role="alert">
          {errors[key]}
        </p>
      )}
    </div>
  );

  return (
    <section className="view">
      <header className="view-header">
        <h1>Connections</h1>
        <p className="lead">The VMs Harden Lab can reach over SSH. Passwords and private keys never leave this machine's core process.</p>
      </header>

      <div className="panel">
        <div className="panel-header">
          <h2>Saved connections</h2>
          {!draft && (
            <button type="button" className="primary" onClick={() => setDraft(EMPTY)}>
              New connection
            </button>
          )}
        </div>
        {profiles.length === 0 ? (
          <p className="muted">No connection yet. Add one below.</p>
        ) : (
          <ul className="list">
            {profiles.map((p) => (
              <li key={p.name} className="list-row">
                <div>
                  <strong>{p.name}</strong>
                  <span className="muted small">
                    {' '}
                    {p.user}@{p.host}:{p.port} · {p.auth.kind}
                    {p.hypervisor ? ` · ${p.hypervisor.kind}: ${p.hypervisor.vm}` : ''}
                  </span>
                </div>
                {confirmDelete === p.name ? (
                  <div className="row-actions">
                    <span className="small">Delete “{p.name}”? Its snapshots stay in the hypervisor.</span>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => {
                        setConfirmDelete(null);
                        deleteProfile(p.name).catch((err) => notify({ level: 'error', ...errorText(err) }));
                      }}
                    >
                      Delete
                    </button>
                    <button type="button" onClick={() => setConfirmDelete(null)}>
                      Keep
                    </button>
                  </div>
                ) : (
                  <div className="row-actions">
                    <button type="button" className="ghost" onClick={() => setConfirmDelete(p.name)} aria-label={`Delete ${p.name}`}>
                      Delete
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>

      {draft && (
        <form className="panel form" onSubmit={(e) => void submit(e)} noValidate>
          <h2>New connection</h2>
          {errors.form && (
            <p className="error" role="alert">
              {errors.form}
            </p>
          )}
          <div className="grid-2">
            {field('name', 'Name', <input id="f-name" value={draft.name} onChange={(e) => set('name', e.target.value)} autoFocus placeholder="alpine-lab" aria-invalid={!!errors.name} />, 'Letters, digits, dot, dash, underscore.')}
            {field('user', 'User', <input id="f-user" value={draft.user} onChange={(e) => set('user', e.target.value)} placeholder="admin" aria-invalid={!!errors.user} />)}
            {field('host', 'Host', <input id="f-host" value={draft.host} onChange={(e) => set('host', e.target.value)} aria-invalid={!!errors.host} />)}
            {field('port', 'Port', <input id="f-port" inputMode="numeric" value={draft.port} onChange={(e) => set('port', e.target.value)} aria-invalid={!!errors.port} />)}
            {field(
              'authKind',
              'Sign in with',
              <select id="f-authKind" value={draft.authKind} onChange={(e) => set('authKind', e.target.value as Draft['authKind'])}>
                <option value="key">Private key file</option>
                <option value="agent">SSH agent</option>
                <option value="password">Password (asked when connecting)</option>
              </select>,
            )}
            {draft.authKind === 'key' &&
              field('auth', 'Private key file', <input id="f-auth" className="mono" value={draft.keyPath} onChange={(e) => set('keyPath', e.target.value)} aria-invalid={!!errors.auth} />, 'The key stays on this machine; only its signature reaches the VM.')}
            {field(
              'hypervisor',
              'Hypervisor',
              <select id="f-hypervisor" value={draft.hypervisor} onChange={(e) => set('hypervisor', e.target.value as Draft['hypervisor'])}>
                <option value="">None (no snapshots)</option>
                <option value="virtualbox">VirtualBox</option>
                <option value="qemu">QEMU lab VM</option>
              </select>,
              'Snapshots and one-click revert need the hypervisor.',
            )}
            {draft.hypervisor && field('vm', 'VM name', <input id="f-vm" value={draft.vm} onChange={(e) => set('vm', e.target.value)} aria-invalid={!!errors.hypervisor} />)}
            {field(
              'elevation',
              'Elevation',
              <select id="f-elevation" value={draft.elevation} onChange={(e) => set('elevation', e.target.value as Draft['elevation'])}>
                <option value="auto">Detect (sudo or doas)</option>
                <option value="sudo">sudo</option>
                <option value="doas">doas</option>
                <option value="none">None (root login)</option>
              </select>,
            )}
          </div>
          <div className="form-actions">
            <button type="submit" className="primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save connection'}
            </button>
            <button type="button" onClick={() => { setDraft(null); setErrors({}); }}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
