import type { FleetHost, FleetHostStatus } from '../../../../shared/fleet';

const TONE: Record<FleetHostStatus, string> = {
  waiting: 'neutral',
  running: 'warn',
  changed: 'ok',
  unchanged: 'ok',
  failed: 'bad',
  restored: 'warn',
  unreachable: 'bad',
  'not-run': 'neutral',
};

const LABEL: Record<FleetHostStatus, string> = {
  waiting: 'waiting',
  running: 'running',
  changed: 'changed, proved',
  unchanged: 'no change',
  failed: 'FAILED',
  restored: 'restored by rescue',
  unreachable: 'unreachable',
  'not-run': 'not run',
};

/** One row per host, live while Ansible runs: batch, status, changes, proofs, and why it failed or what put it back. */
export function HostTable({ hosts, label, plan }: { hosts: readonly FleetHost[]; label: string; plan: boolean }) {
  return (
    <table className="table" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Host</th>
          <th scope="col">Batch</th>
          <th scope="col">Status</th>
          <th scope="col">{plan ? 'Would change' : 'Changed'}</th>
          {!plan && <th scope="col">Proofs</th>}
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {hosts.map((h) => (
          <tr key={h.name}>
            <th scope="row">{h.name}</th>
            <td>{h.batch ?? '–'}</td>
            <td>
              <span className={`pill ${TONE[h.status]}`}>{plan && h.status === 'changed' ? 'would change' : LABEL[h.status]}</span>
            </td>
            <td>{h.changed}</td>
            {!plan && <td>{h.proofs.failed.length ? `${h.proofs.held} held, ${h.proofs.failed.length} failed: ${h.proofs.failed.join('; ')}` : h.proofs.held ? `${h.proofs.held} held` : '–'}</td>}
            <td className="small">
              {h.status === 'restored' && <>The dead-man&apos;s switch put sshd back ({h.restored ?? '?'}). </>}
              {h.failure && h.status !== 'changed' && h.status !== 'unchanged' && (
                <>
                  {h.failure.task && <code>{h.failure.task}</code>} {h.failure.message.split('\n')[0]}
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
