import { useEffect, useMemo, useState } from 'react';
import type { FleetRun } from '../../../../shared/fleet';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { NoVm } from '../../components/NoVm';
import { OpProgress } from '../../components/OpProgress';
import { emptyFleet, useApp } from '../../store';
import { HostTable } from './HostTable';

/**
 * From the lab to the fleet: a change proven in the lab (an experiment or a
 * trial), rolled out by Ansible to the hosts of an inventory's [hardened]
 * group. First the plan (--check --diff, every host's diffs), then the
 * rollout in batches that stop at the first failure, each host proving the
 * change behind the dead-man's switch; the table fills in as Ansible goes.
 */
export function RolloutView() {
  const profile = useApp((s) => s.activeProfile);
  const journal = useApp((s) => (s.activeProfile ? s.journals[s.activeProfile] : undefined));
  const loadJournal = useApp((s) => s.loadJournal);
  const f = useApp((s) => (s.activeProfile ? (s.fleet[s.activeProfile] ?? emptyFleet) : emptyFleet));
  const setForm = useApp((s) => s.setFleetForm);
  const planFleet = useApp((s) => s.planFleet);
  const rollOut = useApp((s) => s.rollOut);
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    if (profile && !journal?.data && !journal?.loading && !journal?.error) void loadJournal(profile);
  }, [profile, journal, loadJournal]);
  const proven = useMemo(() => (journal?.data?.experiments ?? []).filter((e) => e.status === 'verified' && e.result?.outcome === 'verified').reverse(), [journal]);
  useEffect(() => {
    if (profile && !f.form.experimentId && proven[0]) setForm(profile, { experimentId: proven[0].id });
  }, [profile, f.form.experimentId, proven, setForm]);
  if (!profile) return <NoVm title="Roll out" text="There is no VM to work on yet: a rollout takes a change proven on a lab VM to real hosts." />;

  const ready = Boolean(f.form.experimentId && f.form.inventory.trim());
  const live = Object.values(f.live);
  const shown: FleetRun | null = f.busy ? null : (f.rollout ?? f.plan);

  return (
    <section className="view view-wide">
      <header className="view-header">
        <h1>Roll out</h1>
        <p className="lead">
          Take a change proven on {profile} to real hosts with Ansible. The plan shows what would change on each host of the inventory&apos;s <code>[hardened]</code> group; the rollout
          goes one host first, then in batches, and stops at the first host that fails. On each host the lab&apos;s proofs and canaries run after the change, and sshd changes run
          behind a dead-man&apos;s switch that puts them back if Ansible cannot log in again.
        </p>
      </header>
      <form
        className="panel rollout-form"
        aria-label="What to roll out, and where"
        onSubmit={(e) => {
          e.preventDefault();
          void planFleet(profile);
        }}
      >
        <div className="field">
          <label htmlFor="fleet-experiment">Proven change</label>
          <select id="fleet-experiment" value={f.form.experimentId ?? ''} onChange={(e) => setForm(profile, { experimentId: e.target.value || null })} disabled={Boolean(f.busy)}>
            {proven.length === 0 && <option value="">No verified experiment yet: apply a step or a trial first</option>}
            {proven.map((e) => (
              <option key={e.id} value={e.id}>
                {e.step === 'trial' ? 'Trial' : e.step} · {e.id} · {new Date(e.startedAt).toLocaleString()}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="fleet-inventory">Inventory file (INI or YAML, on this machine)</label>
          <input id="fleet-inventory" type="text" value={f.form.inventory} placeholder="/home/me/fleet/inventory.ini" onChange={(e) => setForm(profile, { inventory: e.target.value })} disabled={Boolean(f.busy)} spellCheck={false} />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="fleet-limit">Limit (Ansible host pattern, optional)</label>
            <input id="fleet-limit" type="text" value={f.form.limit} onChange={(e) => setForm(profile, { limit: e.target.value })} disabled={Boolean(f.busy)} spellCheck={false} />
          </div>
          <div className="field">
            <label htmlFor="fleet-batches">Batches</label>
            <input id="fleet-batches" type="text" value={f.form.batches} onChange={(e) => setForm(profile, { batches: e.target.value })} disabled={Boolean(f.busy)} aria-describedby="fleet-batches-help" />
            <p id="fleet-batches-help" className="hint">Host counts or percentages: 1,50%,100% is one host, then half, then the rest.</p>
          </div>
          <div className="field">
            <label htmlFor="fleet-deadline">Dead-man&apos;s switch (seconds)</label>
            <input id="fleet-deadline" type="number" min={30} max={3600} value={f.form.deadlineS} onChange={(e) => setForm(profile, { deadlineS: Number(e.target.value) || 120 })} disabled={Boolean(f.busy)} />
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={!ready || Boolean(f.busy)}>
            Plan (check and diff every host)
          </button>
          <button type="button" className="danger" disabled={!f.plan || Boolean(f.busy) || f.plan.outcome !== 'done'} onClick={() => setConfirming(true)} title={f.plan ? undefined : 'Plan first: the rollout follows a plan you have looked at.'}>
            Roll out…
          </button>
        </div>
      </form>
      {f.error && <ErrorBox error={f.error} title={f.busy === 'plan' ? 'The plan failed' : 'The fleet run failed'} />}
      {f.busy && f.opId && (
        <section className="panel" aria-label="Running">
          <OpProgress opId={f.opId} title={f.busy === 'plan' ? 'Plan' : 'Rollout'} />
          {live.length > 0 && <HostTable hosts={live} label="Hosts, live" plan={f.busy === 'plan'} />}
        </section>
      )}
      {shown && <RunReport run={shown} />}
      {f.plan && f.rollout && !f.busy && <p className="hint">The plan above was made before this rollout; plan again to see the hosts as they are now.</p>}
      {confirming && f.plan && (
        <ConfirmDialog
          title="Roll out to real hosts?"
          confirmLabel={`Roll out to ${f.plan.hosts.length} hosts`}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void rollOut(profile);
          }}
        >
          <p>
            {f.form.experimentId} goes to {f.plan.hosts.map((h) => h.name).join(', ')} in batches {f.form.batches || '1,50%,100%'}. The rollout stops at the first host that fails;
            hosts without a snapshot have only the dead-man&apos;s switch (for sshd) and the backups Ansible keeps beside each file.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function RunReport({ run }: { run: FleetRun }) {
  return (
    <section className="panel" aria-label={run.mode === 'plan' ? 'Plan' : 'Rollout report'}>
      <h2>
        {run.mode === 'plan' ? 'Plan' : 'Rollout'}: {run.outcome}
        {run.stoppedAfterBatch ? `, stopped after batch ${run.stoppedAfterBatch}` : ''}
      </h2>
      {run.mode === 'rollout' && (
        <p className="small">
          Batches: {run.planned.map((b, i) => `${i + 1}: ${b.join(', ')}`).join(' · ')}. Dead-man&apos;s switch {run.deadlineS} s.
        </p>
      )}
      <HostTable hosts={run.hosts} label={run.mode === 'plan' ? 'Hosts in the plan' : 'Hosts in the rollout'} plan={run.mode === 'plan'} />
      {run.mode === 'plan' &&
        run.hosts.map((h) =>
          h.diffs.length ? (
            <details key={h.name} open={run.hosts.length <= 3}>
              <summary>
                {h.name}: {h.diffs.length === 1 ? '1 file' : `${h.diffs.length} files`}
              </summary>
              {h.diffs.map((d) => (
                <pre key={d.task} className="diff-text" aria-label={`${h.name}: ${d.path}`}>
                  {d.diff}
                </pre>
              ))}
            </details>
          ) : null,
        )}
      {run.notes.map((n) => (
        <p key={n} className="hint">
          {n}
        </p>
      ))}
      <p className="small muted">
        Playbook, Ansible&apos;s events and this report: <code>{run.dir}</code>
      </p>
    </section>
  );
}
