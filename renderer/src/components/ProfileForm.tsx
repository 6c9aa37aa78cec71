import { useState, type FormEvent } from 'react';
import { HYPERVISOR_KINDS, hypervisorLabel, type HypervisorKind } from '../../../shared/hypervisor-kinds';
import { ProfileSchema, type Profile } from '../../../shared/profile';
import { useApp } from '../store';

export interface ProfileDraft {
  name: string;
  host: string;
  port: string;
  user: string;
  authKind: 'key' | 'agent' | 'password';
  keyPath: string;
  hypervisor: '' | HypervisorKind;
  vm: string;
  elevation: 'auto' | 'sudo' | 'doas' | 'none';
}

export const EMPTY_DRAFT: ProfileDraft = {
  name: '',
  host: '127.0.0.1',
  port: '22',
  user: '',
  authKind: 'key',
  keyPath: '~/.ssh/id_ed25519',
  hypervisor: '',
  vm: '',
  elevation: 'auto',
};

type Origin = Profile['origin'];

/** Validates a draft with the same schema the core uses; errors are keyed by field for display beside it. */
export function draftToProfile(d: ProfileDraft, origin: Origin = 'manual'): { profile?: Profile; errors: Record<string, string> } {
  const candidate = {
    name: d.name.trim(),
    host: d.host.trim(),
    port: Number(d.port),
    user: d.user.trim(),
    auth: d.authKind === 'key' ? { kind: 'key' as const, keyPath: d.keyPath.trim() } : { kind: d.authKind },
    ...(d.hypervisor ? { hypervisor: { kind: d.hypervisor, vm: d.vm.trim() } } : {}),
    elevation: d.elevation,
    origin,
  };
  const parsed = ProfileSchema.safeParse(candidate);
  if (parsed.success) return { profile: parsed.data, errors: {} };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    errors[key] ??= key === 'port' ? 'Enter a port number from 1 to 65535.' : key === 'hypervisor' ? 'Enter the VM name as the hypervisor knows it.' : issue.message;
  }
  return { errors };
}

/**
 * A connection profile form. With `fixedHypervisor` the VM is already chosen
 * (VirtualBox discovery) and only the SSH side is asked for.
 */
export function ProfileForm({
  initial,
  origin = 'manual',
  fixedHypervisor,
  title = 'New connection',
  submitLabel = 'Save connection',
  onSaved,
  onCancel,
  connectAfterSave = true,
}: {
  initial?: Partial<ProfileDraft>;
  origin?: Origin;
  fixedHypervisor?: { kind: HypervisorKind; vm: string; label: string };
  title?: string;
  submitLabel?: string;
  onSaved?: (p: Profile) => void;
  onCancel?: () => void;
  connectAfterSave?: boolean;
}) {
  const saveProfile = useApp((s) => s.saveProfile);
  const selectProfile = useApp((s) => s.selectProfile);
  const notify = useApp((s) => s.notify);
  const existing = useApp((s) => s.profiles);
  const [draft, setDraft] = useState<ProfileDraft>({ ...EMPTY_DRAFT, ...initial, ...(fixedHypervisor ? { hypervisor: fixedHypervisor.kind, vm: fixedHypervisor.vm } : {}) });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);

  const set = <K extends keyof ProfileDraft>(k: K, v: ProfileDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { profile, errors: errs } = draftToProfile(draft, origin);
    if (profile && existing.some((p) => p.name === profile.name)) errs.name = `A connection named “${profile.name}” exists already: choose another name.`;
    setErrors(errs);
    if (!profile || Object.keys(errs).length > 0) {
      const first = Object.keys(errs)[0];
      if (first) document.getElementById(`f-${first}`)?.focus();
      return;
    }
    setSaving(true);
    const res = await saveProfile(profile);
    setSaving(false);
    if (!res.ok) {
      setErrors({ form: `${res.error.message}${res.error.hint ? ' ' + res.error.hint : ''}` });
      return;
    }
    notify({ level: 'success', message: `Saved the connection “${profile.name}”.` });
    selectProfile(profile.name, { connect: connectAfterSave });
    onSaved?.(res.value.profile);
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
  const invalid = (key: string) => ({ 'aria-invalid': !!errors[key], ...(errors[key] ? { 'aria-describedby': `e-${key}` } : {}) });

  return (
    <form className="panel form" onSubmit={(e) => void submit(e)} noValidate aria-label={title}>
      <h2>{title}</h2>
      {fixedHypervisor && (
        <p className="muted">
          For the {hypervisorLabel(fixedHypervisor.kind)} VM <strong>{fixedHypervisor.label}</strong>: snapshots and revert go through its hypervisor.
        </p>
      )}
      {errors.form && (
        <p className="error" role="alert">
          {errors.form}
        </p>
      )}
      <div className="grid-2">
        {field('name', 'Name', <input id="f-name" value={draft.name} onChange={(e) => set('name', e.target.value)} autoFocus placeholder="alpine-lab" {...invalid('name')} />, 'Letters, digits, dot, dash, underscore.')}
        {field('user', 'User', <input id="f-user" value={draft.user} onChange={(e) => set('user', e.target.value)} placeholder="admin" autoComplete="off" {...invalid('user')} />, 'The account you log in with on the VM.')}
        {field('host', 'Host', <input id="f-host" value={draft.host} onChange={(e) => set('host', e.target.value)} {...invalid('host')} />)}
        {field('port', 'Port', <input id="f-port" inputMode="numeric" value={draft.port} onChange={(e) => set('port', e.target.value)} {...invalid('port')} />)}
        {field(
          'authKind',
          'Sign in with',
          <select id="f-authKind" value={draft.authKind} onChange={(e) => set('authKind', e.target.value as ProfileDraft['authKind'])}>
            <option value="key">Private key file</option>
            <option value="agent">SSH agent</option>
            <option value="password">Password (asked when connecting)</option>
          </select>,
        )}
        {draft.authKind === 'key' &&
          field('auth', 'Private key file', <input id="f-auth" className="mono" value={draft.keyPath} onChange={(e) => set('keyPath', e.target.value)} {...invalid('auth')} />, 'The key stays on this machine; only its signature reaches the VM.')}
        {!fixedHypervisor &&
          field(
            'hypervisor',
            'Hypervisor',
            <select id="f-hypervisor" value={draft.hypervisor} onChange={(e) => set('hypervisor', e.target.value as ProfileDraft['hypervisor'])}>
              <option value="">None (no snapshots)</option>
              {HYPERVISOR_KINDS.map((h) => (
                <option key={h.kind} value={h.kind}>
                  {h.label}
                </option>
              ))}
            </select>,
            'Snapshots and one-click revert need the hypervisor.',
          )}
        {!fixedHypervisor && draft.hypervisor && field('vm', 'VM name', <input id="f-vm" value={draft.vm} onChange={(e) => set('vm', e.target.value)} {...invalid('hypervisor')} />)}
        {field(
          'elevation',
          'Elevation',
          <select id="f-elevation" value={draft.elevation} onChange={(e) => set('elevation', e.target.value as ProfileDraft['elevation'])}>
            <option value="auto">Detect (sudo or doas)</option>
            <option value="sudo">sudo</option>
            <option value="doas">doas</option>
            <option value="none">None (root login)</option>
          </select>,
        )}
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
