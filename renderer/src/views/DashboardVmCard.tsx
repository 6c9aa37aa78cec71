import { ErrorBox } from '../components/ErrorBox';
import { useApp } from '../store';
import { hypervisorLabel } from '../../../shared/hypervisor-kinds';

const VM_STATE_TONE: Record<string, string> = { running: 'ok', restoring: 'busy', starting: 'busy', stopping: 'busy', saving: 'busy', aborted: 'bad', paused: 'warn' };

export function VmCard({ profile }: { profile: string }) {
  const p = useApp((s) => s.profiles.find((x) => x.name === profile));
  const vm = useApp((s) => s.vmStates[profile]);
  const load = useApp((s) => s.loadVmState);
  const setView = useApp((s) => s.setView);
  return (
    <article className="card" aria-labelledby="card-vm">
      <div className="card-head">
        <h2 id="card-vm">Virtual machine</h2>
        {p?.hypervisor && (
          <button type="button" className="ghost small" onClick={() => void load(profile)} disabled={vm?.loading} aria-label="Refresh VM state">
            {vm?.loading ? 'Refreshing…' : 'Refresh'}
          </button>
        )}
      </div>
      {!p?.hypervisor ? (
        <>
          <p className="muted">This connection is not linked to a hypervisor VM: no snapshots, no revert, and Harden Lab will not apply changes without a way back.</p>
          <button type="button" onClick={() => setView('connections')}>
            Link a VM in Connections
          </button>
        </>
      ) : (
        <>
          {vm?.error && <ErrorBox error={vm.error} compact />}
          <dl className="facts">
            <dt>Hypervisor</dt>
            <dd>{hypervisorLabel(p.hypervisor.kind)}</dd>
            <dt>VM</dt>
            <dd>{vm?.data?.name ?? p.hypervisor.vm}</dd>
            <dt>State</dt>
            <dd>
              {vm?.data ? <span className={`pill small-pill ${VM_STATE_TONE[vm.data.state] ?? 'neutral'}`}>{vm.data.state}</span> : <span className="muted">{vm?.loading ? 'reading…' : '—'}</span>}
            </dd>
            {vm?.data?.sshForward && (
              <>
                <dt>SSH forward</dt>
                <dd className="mono">
                  {vm.data.sshForward.host}:{vm.data.sshForward.port}
                </dd>
              </>
            )}
          </dl>
        </>
      )}
    </article>
  );
}
