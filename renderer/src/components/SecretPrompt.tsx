import { useState, type FormEvent } from 'react';
import type { Res } from '../../../shared/contract';
import { useApp } from '../store';
import { Modal } from './Modal';

export type RememberOffer = { offered: true } | { offered: false; reason: string };

/**
 * The core decides (remember-policy.ts): a checkbox the core would ignore
 * would be a promise it cannot keep, and on Linux without a keyring one it
 * could only keep in clear text. So the box is shown only when the core says
 * so, and otherwise the prompt says why.
 */
export function rememberOffer(info: Res<'app.info'> | null): RememberOffer {
  if (info?.remember?.available) return { offered: true };
  return { offered: false, reason: info?.remember?.reason ?? 'This Harden Lab cannot keep secrets encrypted here, so it is kept for this session only.' };
}

/** Asked when ssh.connect says SECRET_REQUIRED; the value goes to the core only, never into the store. */
export function SecretPrompt() {
  const req = useApp((s) => s.secretRequest);
  if (!req) return null;
  return <SecretForm key={`${req.profile}-${req.kind}`} />;
}

function SecretForm() {
  const req = useApp((s) => s.secretRequest)!;
  const submit = useApp((s) => s.submitSecret);
  const cancel = useApp((s) => s.cancelSecret);
  const profile = useApp((s) => s.profiles.find((p) => p.name === req.profile));
  const offer = rememberOffer(useApp((s) => s.info));
  const [value, setValue] = useState('');
  const [remember, setRemember] = useState(false);
  const what = req.kind === 'password' ? 'password' : 'key passphrase';

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!value || req.submitting) return;
    void submit(value, offer.offered && remember);
  };

  return (
    <Modal title={req.kind === 'password' ? `Password for ${req.profile}` : `Passphrase for the key of ${req.profile}`} onClose={cancel} dismissable={!req.submitting} size="sm">
      <form onSubmit={onSubmit} className="form" noValidate>
        <p>
          {req.kind === 'password' ? (
            <>
              Enter the password of <strong>{profile ? `${profile.user}@${profile.host}` : req.profile}</strong>.
            </>
          ) : (
            <>
              The private key <code>{profile?.auth.kind === 'key' ? profile.auth.keyPath : ''}</code> is protected by a passphrase.
            </>
          )}
        </p>
        <div className="field">
          <label htmlFor="secret-value">{req.kind === 'password' ? 'Password' : 'Passphrase'}</label>
          <input
            id="secret-value"
            type="password"
            autoComplete={req.kind === 'password' ? 'current-password' : 'off'}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-invalid={!!req.error}
            aria-describedby={req.error ? 'secret-error' : undefined}
            data-autofocus
          />
          {req.error && (
            <p className="field-error" id="secret-error" role="alert">
              {req.error.code === 'AUTH_FAILED' ? `The ${what} was refused. ` : ''}
              {req.error.message} {req.error.hint}
            </p>
          )}
        </div>
        {offer.offered ? (
          <label className="check">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
            <span>Remember it in this computer's keychain</span>
          </label>
        ) : (
          <p className="muted small">
            Not remembered: {offer.reason}
          </p>
        )}
        <div className="form-actions end">
          <button type="button" onClick={cancel} disabled={req.submitting}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!value || req.submitting}>
            {req.submitting ? 'Connecting…' : 'Connect'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
