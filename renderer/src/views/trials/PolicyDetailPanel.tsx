import { useState } from 'react';
import type { ErrorView } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { emptyTrialRun, useApp } from '../../store';
import { tailoredPolicy } from './tailor';

/**
 * One policy as data: where it comes from, each step and each setting with
 * what it is for and its source's rule id. Unticking leaves a unit out of the
 * next trial; "Save as my policy" keeps that tailoring under a new name.
 */
export function PolicyDetailPanel({ profile, name }: { profile: string; name: string }) {
  const detail = useApp((s) => s.policyDetails[name]);
  const load = useApp((s) => s.loadPolicyDetail);
  const without = useApp((s) => (s.trials[profile] ?? emptyTrialRun).without);
  const busy = useApp((s) => {
    const r = s.trials[profile] ?? emptyTrialRun;
    return r.planning || r.running || r.bisecting;
  });
  const toggle = useApp((s) => s.toggleUnit);
  const save = useApp((s) => s.savePolicy);
  const choose = useApp((s) => s.choosePolicy);
  const remove = useApp((s) => s.removePolicy);
  const [saveName, setSaveName] = useState('');
  const [saveError, setSaveError] = useState<ErrorView | null>(null);
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);

  if (!detail || (detail.loading && !detail.data)) return <div className="skeleton-block" aria-busy="true" aria-label="Loading the policy" />;
  if (detail.error || !detail.data)
    return (
      <ErrorBox error={detail.error ?? { message: 'The policy could not be read.' }} title={`The policy “${name}” could not be read`}>
        <button type="button" onClick={() => void load(name)}>
          Try again
        </button>
      </ErrorBox>
    );
  const { policy, builtIn, steps, units } = detail.data;
  const out = new Set(without);
  const included = units.filter((u) => !out.has(u) && !out.has(u.split(':')[0]!)).length;

  const doSave = async () => {
    setSaving(true);
    const r = await save(tailoredPolicy(detail.data!, saveName.trim(), without));
    setSaving(false);
    if (!r.ok) return setSaveError(r.error);
    setSaveError(null);
    setSaveName('');
    choose(profile, r.value);
  };

  return (
    <article className="panel" aria-labelledby="policy-title">
      <header className="step-detail-head">
        <h2 id="policy-title">{policy.title}</h2>
        <span className="pill neutral">
          {builtIn ? 'built in' : 'yours'} · v{policy.version}
        </span>
      </header>
      {policy.description && <p className="step-summary">{policy.description}</p>}
      <p className="small muted">
        Source: {policy.source.name}
        {policy.source.url && <span className="mono"> ({policy.source.url})</span>}
        {policy.basedOn && ` · tailored from ${policy.basedOn.name} v${policy.basedOn.version}`}
        {policy.source.note && <> · {policy.source.note}</>}
      </p>
      <p className="small" aria-live="polite">
        {included} of {units.length} settings in the next trial.
      </p>
      <div className="policy-steps">
        {steps.map((st) => {
          const stepOn = st.enabled && !out.has(st.step);
          return (
            <fieldset key={st.step} className="policy-step" disabled={busy}>
              <legend>
                <label className="check">
                  <input type="checkbox" checked={stepOn} disabled={!st.enabled} onChange={(e) => toggle(profile, st.step, e.target.checked)} aria-label={`Include the step ${st.title}`} />
                  <span className="strong">{st.title}</span>
                </label>
                {st.rule && <span className="small muted"> [{st.rule}]</span>}
                {!st.enabled && <span className="small muted"> (off in this policy)</span>}
                {st.readOnly && <span className="small muted"> (read-only: it reports, it changes nothing)</span>}
              </legend>
              {st.settings.length > 0 && (
                <ul className="policy-settings">
                  {st.settings.map((x) => (
                    <li key={x.unit}>
                      <label className="check">
                        <input
                          type="checkbox"
                          checked={stepOn && x.enabled && !out.has(x.unit)}
                          disabled={!stepOn || !x.enabled}
                          onChange={(e) => toggle(profile, x.unit, e.target.checked)}
                          aria-label={x.unit}
                        />
                        <span className="mono">{x.id}</span>
                      </label>
                      {x.rule && <span className="small muted"> [{x.rule}]</span>}
                      <div className="small muted">{x.why}</div>
                    </li>
                  ))}
                </ul>
              )}
            </fieldset>
          );
        })}
      </div>
      <form
        className="inline-form"
        aria-label="Save as my policy"
        onSubmit={(e) => {
          e.preventDefault();
          void doSave();
        }}
      >
        <label>
          <span>Save these choices as my policy</span>
          <input value={saveName} onChange={(e) => setSaveName(e.target.value)} placeholder="my-baseline" maxLength={40} required />
        </label>
        <button type="submit" disabled={saving || !saveName.trim()}>
          {saving ? 'Saving…' : 'Save policy'}
        </button>
        {!builtIn && (
          <button type="button" className="ghost small" onClick={() => setDeleting(true)}>
            Delete this policy
          </button>
        )}
      </form>
      {saveError && <ErrorBox error={saveError} title="The policy was not saved" compact />}
      {deleting && (
        <ConfirmDialog
          title={`Delete the policy “${policy.title}”?`}
          confirmLabel="Delete"
          onCancel={() => setDeleting(false)}
          onConfirm={() => {
            setDeleting(false);
            void remove(policy.name).then((r) => (r.ok ? null : setSaveError(r.error)));
          }}
        >
          <p>Its file goes; trials already run with it keep their results in the journal. Export it first to keep a copy.</p>
        </ConfirmDialog>
      )}
    </article>
  );
}
