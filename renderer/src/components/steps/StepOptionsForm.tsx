import { useId } from 'react';
import { optionFields, optionsEqual, toggleListItem } from '../../lib/stepOptions';
import type { StepRun } from '../../store';

/** The options a step echoed in its last plan, as a small form; changing them asks for a new plan. */
export function StepOptionsForm({ run, onChange, onReplan, disabled }: { run: StepRun; onChange: (o: Record<string, unknown>) => void; onReplan: () => void; disabled: boolean }) {
  const id = useId();
  const fields = optionFields(run.options, run.listItems);
  if (fields.length === 0) return null;
  const changed = !optionsEqual(run.options, run.plan?.options);
  const set = (key: string, value: unknown) => onChange({ ...(run.options ?? {}), [key]: value });

  return (
    <fieldset className="step-options" disabled={disabled}>
      <legend>Options</legend>
      <div className="step-options-fields">
        {fields.map((f) => {
          const fid = `${id}-${f.key}`;
          if (f.kind === 'boolean') {
            return (
              <label key={f.key} className="check">
                <input type="checkbox" checked={f.value} onChange={(e) => set(f.key, e.target.checked)} />
                <span>{f.label}</span>
              </label>
            );
          }
          if (f.kind === 'list') {
            return (
              <fieldset key={f.key} className="checklist">
                <legend>{f.label}</legend>
                <div className="checklist-items">
                  {f.items.map((item) => (
                    <label key={item} className="check mono">
                      <input type="checkbox" checked={f.value.includes(item)} onChange={(e) => set(f.key, toggleListItem(f.value, item, e.target.checked, f.items))} />
                      <span>{item}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
            );
          }
          return (
            <div key={f.key} className="field inline-field">
              <label htmlFor={fid}>{f.label}</label>
              <input
                id={fid}
                type={f.kind === 'number' ? 'number' : 'text'}
                value={String(f.value)}
                onChange={(e) => set(f.key, f.kind === 'number' ? Number(e.target.value) : e.target.value)}
              />
            </div>
          );
        })}
      </div>
      {changed && (
        <div className="step-options-foot">
          <span className="muted small">The preview below is for the previous options.</span>
          <button type="button" className="primary small" onClick={onReplan}>
            Plan again with these options
          </button>
        </div>
      )}
    </fieldset>
  );
}
