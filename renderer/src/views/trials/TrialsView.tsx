import { useEffect } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { NoVm } from '../../components/NoVm';
import { emptyTrialRun, useApp } from '../../store';
import { PolicyDetailPanel } from './PolicyDetailPanel';
import { PolicyFiles } from './PolicyFiles';
import { TrialCompare } from './TrialCompare';
import { TrialRunner } from './TrialRunner';

/**
 * Trials of whole policies (the guide, KSPP, dev-sec, CIS, or the operator's
 * own): pick one, switch settings off, see the combined preview, run it as
 * one transaction, find the culprit of a failed one, compare trials from one
 * baseline and switch the VM between their results.
 */
export function TrialsView() {
  const profile = useApp((s) => s.activeProfile);
  const policies = useApp((s) => s.policies);
  const loadPolicies = useApp((s) => s.loadPolicies);
  const run = useApp((s) => (s.activeProfile ? (s.trials[s.activeProfile] ?? emptyTrialRun) : emptyTrialRun));
  const choose = useApp((s) => s.choosePolicy);

  useEffect(() => {
    if (!policies.data && !policies.loading && !policies.error) void loadPolicies();
  }, [policies.data, policies.loading, policies.error, loadPolicies]);
  const first = policies.data?.[0]?.policy.name;
  useEffect(() => {
    if (profile && !run.policy && first) choose(profile, first);
  }, [profile, run.policy, first, choose]);
  if (!profile) return <NoVm title="Trials" />;
  const list = policies.data ?? [];

  return (
    <section className="view view-wide">
      <header className="view-header">
        <h1>Trials</h1>
        <p className="lead">
          A trial applies a whole policy to {profile} as one change: one snapshot first, every step in order, one combined verify with the canaries, and one revert when anything
          fails. Trials from the same snapshot compare side by side; a failed one can be bisected down to the setting to blame.
        </p>
      </header>
      {policies.error && (
        <ErrorBox error={policies.error} title="The policies could not be read">
          <button type="button" onClick={() => void loadPolicies()}>
            Try again
          </button>
        </ErrorBox>
      )}
      {!policies.data && !policies.error && <div className="skeleton-block" aria-busy="true" aria-label="Loading policies" />}
      {list.length > 0 && (
        <div className="master-detail">
          <nav className="step-list" aria-label="Policies">
            <ul>
              {list.map((p) => (
                <li key={p.policy.name}>
                  <button
                    type="button"
                    className={`step-list-item${run.policy === p.policy.name ? ' active' : ''}`}
                    aria-current={run.policy === p.policy.name ? 'true' : undefined}
                    onClick={() => choose(profile, p.policy.name)}
                  >
                    <span className="step-list-title">{p.policy.title}</span>
                    <span className="pill neutral small-pill">{p.builtIn ? 'built in' : `v${p.policy.version}`}</span>
                  </button>
                </li>
              ))}
            </ul>
            <PolicyFiles profile={profile} />
          </nav>
          <div className="trial-main">
            {run.policy && <PolicyDetailPanel key={run.policy} profile={profile} name={run.policy} />}
            {run.policy && <TrialRunner profile={profile} />}
          </div>
        </div>
      )}
      <TrialCompare profile={profile} />
    </section>
  );
}
