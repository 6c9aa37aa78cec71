import { useState } from 'react';
import type { PlanShape } from '../../../../shared/domain';
import { commandLine } from '../../lib/commandLine';
import { readPref, writePref } from '../../store/storage';
import { Icon } from '../Icon';
import { FileDiff, type DiffMode } from './DiffView';
import { BenchReportView } from './BenchReportView';
import { WarningList } from './WarningList';

/**
 * What a step would do, before anything changes: the summary, the warnings in
 * plain words, each file's diff, the commands with why they run, packages,
 * and whether the VM reboots.
 */
export function PlanPreview({ plan }: { plan: PlanShape }) {
  const [mode, setMode] = useState<DiffMode>(() => (readPref('hl.diffMode') === 'split' ? 'split' : 'unified'));
  const changeMode = (m: DiffMode) => {
    setMode(m);
    writePref('hl.diffMode', m);
  };
  const hasPackages = plan.packages.install.length + plan.packages.remove.length > 0;

  if (plan.nothingToDo) {
    return (
      <section className="plan-preview" aria-label="Plan preview">
        <div className="result-banner neutral" role="status">
          <Icon name="check" size={20} />
          <div>
            <p className="strong">Nothing to do: this VM already has this in place.</p>
            <p className="muted">{plan.summary}</p>
          </div>
        </div>
        <WarningList warnings={plan.warnings} />
        <PlanReports plan={plan} />
      </section>
    );
  }

  return (
    <section className="plan-preview" aria-label="Plan preview">
      <p className="plan-summary">{plan.summary}</p>
      <WarningList warnings={plan.warnings} />

      <div className="plan-facts">
        {plan.rebootRequired && (
          <span className="pill warn">
            <Icon name="reboot" /> Reboot needed
          </span>
        )}
        <span className="pill neutral">
          {plan.files.length} {plan.files.length === 1 ? 'file' : 'files'}
        </span>
        <span className="pill neutral">
          {plan.commands.length} {plan.commands.length === 1 ? 'command' : 'commands'}
        </span>
        {hasPackages && <span className="pill neutral">{plan.packages.install.length + plan.packages.remove.length} packages</span>}
      </div>

      <PlanReports plan={plan} />

      {plan.files.length > 0 && (
        <section className="plan-section" aria-labelledby={`files-${plan.id}`}>
          <div className="plan-section-head">
            <h3 id={`files-${plan.id}`}>Files</h3>
            <div className="segmented" role="group" aria-label="Diff layout">
              <button type="button" aria-pressed={mode === 'unified'} onClick={() => changeMode('unified')}>
                Unified
              </button>
              <button type="button" aria-pressed={mode === 'split'} onClick={() => changeMode('split')}>
                Side by side
              </button>
            </div>
          </div>
          {plan.files.map((f) => (
            <FileDiff key={f.path} file={f} mode={mode} />
          ))}
        </section>
      )}

      {plan.commands.length > 0 && (
        <section className="plan-section" aria-labelledby={`cmds-${plan.id}`}>
          <h3 id={`cmds-${plan.id}`}>Commands</h3>
          <ol className="commands">
            {plan.commands.map((c, i) => (
              <li key={i} className="command">
                <div className="command-line">
                  <code className="mono">
                    <span className="prompt" aria-hidden="true">
                      {c.elevated ? '#' : '$'}
                    </span>{' '}
                    {commandLine(c.argv)}
                  </code>
                  {c.elevated && (
                    <span className="pill warn small-pill" title="Runs with sudo or doas">
                      as root
                    </span>
                  )}
                </div>
                <p className="command-why">{c.why}</p>
              </li>
            ))}
          </ol>
        </section>
      )}

      {hasPackages && (
        <section className="plan-section" aria-labelledby={`pkgs-${plan.id}`}>
          <h3 id={`pkgs-${plan.id}`}>Packages</h3>
          <dl className="facts">
            {plan.packages.install.length > 0 && (
              <>
                <dt>Install or upgrade</dt>
                <dd className="mono">{plan.packages.install.join(', ')}</dd>
              </>
            )}
            {plan.packages.remove.length > 0 && (
              <>
                <dt>Remove</dt>
                <dd className="mono">{plan.packages.remove.join(', ')}</dd>
              </>
            )}
          </dl>
        </section>
      )}
    </section>
  );
}

/** Read-only results the step gathered while planning (a docker-bench-security scan), in full. */
export function PlanReports({ plan }: { plan: PlanShape }) {
  if (!plan.reports?.length) return null;
  return (
    <>
      {plan.reports.map((r, i) => (
        <BenchReportView key={i} run={r.run} />
      ))}
    </>
  );
}
