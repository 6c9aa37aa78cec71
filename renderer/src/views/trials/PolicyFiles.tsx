import { useRef, useState } from 'react';
import type { ErrorView } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';
import { saveTextFile } from '../../lib/download';
import { emptyTrialRun, useApp } from '../../store';

const MAX_POLICY_FILE = 256 * 1024;

/** A policy as a file: import JSON or YAML (the core checks every step and setting), export the chosen one. */
export function PolicyFiles({ profile }: { profile: string }) {
  const chosen = useApp((s) => (s.trials[profile] ?? emptyTrialRun).policy);
  const importPolicy = useApp((s) => s.importPolicy);
  const exportPolicy = useApp((s) => s.exportPolicy);
  const choose = useApp((s) => s.choosePolicy);
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<{ title: string; error: ErrorView } | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setDone(null);
    if (file.size > MAX_POLICY_FILE) return setError({ title: 'The policy was not imported', error: { message: `${file.name} is larger than 256 KiB; a policy file is a few KiB.` } });
    const r = await importPolicy(await file.text());
    if (input.current) input.current.value = '';
    if (!r.ok) return setError({ title: `${file.name} was not imported; nothing was saved`, error: r.error });
    setError(null);
    setDone(`Imported “${r.value}”.`);
    choose(profile, r.value);
  };
  const onExport = async (format: 'yaml' | 'json') => {
    if (!chosen) return;
    const r = await exportPolicy(chosen, format);
    if (!r.ok) return setError({ title: 'The policy was not exported', error: r.error });
    saveTextFile(r.value.fileName, r.value.content, r.value.mime);
  };

  return (
    <div className="policy-files">
      <label className="button-like small">
        Import a policy…
        <input ref={input} type="file" accept=".json,.yaml,.yml,application/json,application/yaml" className="sr-only" onChange={(e) => void onFile(e.target.files?.[0])} aria-label="Import a policy file" />
      </label>
      <div className="form-actions" style={{ marginTop: 4 }}>
        <button type="button" className="ghost small" disabled={!chosen} onClick={() => void onExport('yaml')}>
          Export YAML
        </button>
        <button type="button" className="ghost small" disabled={!chosen} onClick={() => void onExport('json')}>
          Export JSON
        </button>
      </div>
      {done && (
        <p className="small" role="status">
          {done}
        </p>
      )}
      {error && <ErrorBox error={error.error} title={error.title} compact />}
    </div>
  );
}
