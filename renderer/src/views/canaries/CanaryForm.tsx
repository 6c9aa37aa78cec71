import { useState } from 'react';
import { CANARY_KINDS, type CanaryKind } from '../../../../shared/canary';
import type { ErrorView } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../store';
import { canaryFromForm, EMPTY_CANARY_FORM, type CanaryFormState } from './canaryForm';

const KIND_LABEL: Record<CanaryKind, string> = {
  command: 'Command: a program exits as expected',
  tcp: 'TCP: a port accepts connections',
  http: 'HTTP: a URL answers',
  service: 'Service: a systemd or OpenRC unit is active',
  container: 'Container: a container runs, or an image runs',
};

/** Adds a canary; the core parses it with the shared schema and its refusal is shown here, nothing saved. */
export function CanaryForm({ profile, onDone }: { profile: string; onDone: () => void }) {
  const saveCanary = useApp((s) => s.saveCanary);
  const [f, setF] = useState<CanaryFormState>(EMPTY_CANARY_FORM);
  const [error, setError] = useState<ErrorView | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof CanaryFormState>(k: K) => (v: CanaryFormState[K]) => setF((s) => ({ ...s, [k]: v }));
  const text = (k: keyof CanaryFormState, label: string, opts: { placeholder?: string; help?: string; mono?: boolean } = {}) => (
    <div className="field">
      <label htmlFor={`canary-${k}`}>{label}</label>
      <input id={`canary-${k}`} className={opts.mono ? 'mono' : undefined} value={String(f[k])} placeholder={opts.placeholder} onChange={(e) => set(k)(e.target.value as never)} />
      {opts.help && <p className="small muted">{opts.help}</p>}
    </div>
  );

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await saveCanary(profile, canaryFromForm(f));
    setBusy(false);
    if (r.ok) {
      setF(EMPTY_CANARY_FORM);
      onDone();
    } else setError(r.error);
  };

  return (
    <form className="form canary-form panel" onSubmit={(e) => void submit(e)} aria-label="Add a canary">
      <div className="panel-header">
        <h2>Add a canary</h2>
      </div>
      <div className="grid-2">
        {text('name', 'Name', { placeholder: 'kallsyms-agent', help: 'Lower-case letters, digits, dot, dash, underscore.' })}
        <div className="field">
          <label htmlFor="canary-kind">Kind</label>
          <select id="canary-kind" value={f.kind} onChange={(e) => set('kind')(e.target.value as CanaryKind)}>
            {CANARY_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABEL[k]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {f.kind === 'command' && (
        <>
          <div className="field">
            <label htmlFor="canary-argv">Command, one argument per line</label>
            <textarea id="canary-argv" className="argv" value={f.argv} onChange={(e) => set('argv')(e.target.value)} placeholder={'systemctl\nis-active\nmy-agent'} spellCheck={false} />
            <p className="small muted">Each line reaches the program as one argument, exactly as typed: nothing is split, expanded or run through a shell (write sh, -c and a script on three lines for a pipeline).</p>
          </div>
          <div className="grid-2">
            {text('expectExit', 'Expected exit code')}
            {text('stdoutMatch', 'Output must match (regular expression, optional)', { mono: true })}
          </div>
          <label className="check">
            <input type="checkbox" checked={f.elevated} onChange={(e) => set('elevated')(e.target.checked)} />
            <span>Run as root (sudo or doas), not as the login user</span>
          </label>
        </>
      )}
      {f.kind === 'tcp' && (
        <div className="grid-2">
          {text('host', 'Host')}
          {text('port', 'Port', { placeholder: '8080' })}
          <div className="field">
            <label htmlFor="canary-from">Connect from</label>
            <select id="canary-from" value={f.from} onChange={(e) => set('from')(e.target.value as 'vm' | 'host')}>
              <option value="vm">inside the VM</option>
              <option value="host">this machine (a forwarded port)</option>
            </select>
          </div>
        </div>
      )}
      {f.kind === 'http' && (
        <div className="grid-2">
          {text('url', 'URL (fetched inside the VM)', { placeholder: 'http://127.0.0.1:8080/health', mono: true })}
          {text('expectStatus', 'Expected status')}
          {text('bodyMatch', 'Body must match (regular expression, optional)', { mono: true })}
        </div>
      )}
      {f.kind === 'service' && text('unit', 'Unit', { placeholder: 'docker.service', mono: true })}
      {f.kind === 'container' && (
        <>
          <div className="grid-2">
            <div className="field">
              <label htmlFor="canary-engine">Engine</label>
              <select id="canary-engine" value={f.engine} onChange={(e) => set('engine')(e.target.value as 'docker' | 'podman')}>
                <option value="docker">docker</option>
                <option value="podman">podman</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="canary-target">Check</label>
              <select id="canary-target" value={f.target} onChange={(e) => set('target')(e.target.value as 'container' | 'image')}>
                <option value="container">a running container</option>
                <option value="image">run a local image (run --rm)</option>
              </select>
            </div>
          </div>
          {f.target === 'container' ? (
            text('container', 'Container name', { mono: true })
          ) : (
            <>
              {text('image', 'Local image', { placeholder: 'hl-test', mono: true, help: 'Never pulled: the image must be on the VM already.' })}
              <div className="field">
                <label htmlFor="canary-argv">Command in the container, one argument per line (optional)</label>
                <textarea id="canary-argv" className="argv" value={f.argv} onChange={(e) => set('argv')(e.target.value)} spellCheck={false} />
              </div>
            </>
          )}
        </>
      )}
      <div className="grid-2">
        {text('timeoutSec', 'Timeout (seconds)')}
        {text('description', 'What it stands for (optional)', { placeholder: 'the monitoring agent resolves kernel symbols' })}
      </div>
      {error && <ErrorBox error={error} title="The canary was not added" compact />}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add canary'}
        </button>
        <button type="button" onClick={onDone} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
