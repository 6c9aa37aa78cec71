import { useId, useState } from 'react';
import type { StepOptionField } from '../../../../shared/domain';
import { optionViews, optionsDiffer, parseListText, toggleListItem, type OptionView } from '../../lib/stepOptions';
import type { StepRun } from '../../store';

/**
 * The options a step describes (StepInfo.options), as a small form. Before the
 * first plan it sets what Plan will ask for; after it, a change asks for a new
 * plan, because the preview below was made with the previous options.
 */
export function StepOptionsForm({
  fields,
  run,
  onChange,
  onReplan,
  disabled,
}: {
  fields: readonly StepOptionField[];
  run: StepRun;
  onChange: (o: Record<string, unknown>) => void;
  onReplan: () => void;
  disabled: boolean;
}) {
  const id = useId();
  if (fields.length === 0) return null;
  const views = optionViews(fields, run.options, run.plan?.options, run.listItems);
  const changed = run.plan !== null && optionsDiffer(fields, run.options, run.plan.options);
  const set = (key: string, value: unknown) => onChange({ ...(run.options ?? {}), [key]: value });

  return (
    <fieldset className="step-options" disabled={disabled}>
      <legend>Options</legend>
      <div className="step-options-fields">
        {views.map((f) => (
          <OptionField key={f.key} field={f} fid={`${id}-${f.key}`} set={set} />
        ))}
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

function OptionField({ field: f, fid, set }: { field: OptionView; fid: string; set: (key: string, value: unknown) => void }) {
  const helpId = f.help ? `${fid}-help` : undefined;
  const help = f.help ? (
    <span id={helpId} className="option-help muted small">
      {f.help}
    </span>
  ) : null;
  if (f.kind === 'boolean') {
    return (
      <div className="option-row">
        <label className="check">
          <input type="checkbox" checked={f.value} aria-describedby={helpId} onChange={(e) => set(f.key, e.target.checked)} />
          <span>{f.label}</span>
        </label>
        {help}
      </div>
    );
  }
  if (f.kind === 'enum') {
    return (
      <div className="option-row field">
        <label htmlFor={fid}>{f.label}</label>
        <select id={fid} value={f.value} aria-describedby={helpId} onChange={(e) => set(f.key, e.target.value)}>
          {f.choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        {help}
      </div>
    );
  }
  if (f.kind === 'list') return <ListField field={f} fid={fid} helpId={helpId} help={help} set={set} />;
  return (
    <div className="option-row field">
      <label htmlFor={fid}>{f.label}</label>
      <input id={fid} type="text" value={f.value} aria-describedby={helpId} onChange={(e) => set(f.key, e.target.value)} />
      {help}
    </div>
  );
}

/** Items seen in earlier plans as a checklist, and a text box for names not listed yet. */
function ListField({
  field: f,
  fid,
  helpId,
  help,
  set,
}: {
  field: Extract<OptionView, { kind: 'list' }>;
  fid: string;
  helpId: string | undefined;
  help: React.ReactNode;
  set: (key: string, value: unknown) => void;
}) {
  const [text, setText] = useState('');
  const add = () => {
    const names = parseListText(text);
    if (names.length === 0) return;
    set(f.key, [...f.value, ...names.filter((n) => !f.value.includes(n))]);
    setText('');
  };
  return (
    <div className="option-row field">
      <span className="option-label" id={`${fid}-label`}>
        {f.label}
      </span>
      {f.items.length > 0 && (
        <div className="checklist-items" role="group" aria-labelledby={`${fid}-label`}>
          {f.items.map((item) => (
            <label key={item} className="check mono">
              <input type="checkbox" checked={f.value.includes(item)} onChange={(e) => set(f.key, toggleListItem(f.value, item, e.target.checked, [...f.items, ...f.value]))} />
              <span>{item}</span>
            </label>
          ))}
        </div>
      )}
      <div className="list-add">
        <input
          id={fid}
          type="text"
          value={text}
          aria-labelledby={`${fid}-label`}
          aria-describedby={helpId}
          placeholder="Names, separated by commas"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" className="small" onClick={add} disabled={parseListText(text).length === 0}>
          Add
        </button>
      </div>
      {help}
    </div>
  );
}
