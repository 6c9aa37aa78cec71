import type { ApplyResultShape } from '../../../../shared/domain';
import { canaryTable, type CanaryCell } from '../../lib/canaryRows';

function Cell({ c }: { c: CanaryCell }) {
  return (
    <td className={c.ok === false ? 'canary-fail' : undefined}>
      <span className={c.ok === null ? 'muted' : c.ok ? 'pill ok' : 'pill bad'}>{c.text}</span>
      {c.evidence && <div className="small mono evidence-inline">{c.evidence}</div>}
    </td>
  );
}

/** The canaries before and after the change (and after the reboot proof): what still does its job. */
export function CanaryTable({ result }: { result: Pick<ApplyResultShape, 'canaries'> }) {
  const list = result.canaries ?? [];
  if (list.length === 0) return null;
  const t = canaryTable(list);
  return (
    <div className="canary-table">
      <h4>Canaries: does the host still do its job?</h4>
      <table className="table" aria-label="Canaries before and after">
        <thead>
          <tr>
            <th scope="col">Canary</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
            {t.rebootColumn && <th scope="col">After reboot</th>}
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {t.rows.map((r) => (
            <tr key={r.name} className={r.tone === 'bad' ? 'row-bad' : undefined}>
              <th scope="row" className="mono">
                {r.name}
                {r.builtIn && <div className="small muted">built in: a fresh SSH login</div>}
              </th>
              <Cell c={r.before} />
              <Cell c={r.after} />
              {r.afterReboot && <Cell c={r.afterReboot} />}
              <td className={r.tone === 'bad' ? 'strong canary-fail' : r.tone === 'muted' ? 'muted' : undefined}>{r.verdict}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The reboot proof as its own phase: did the VM really reboot, and what did not come back. */
export function RebootProof({ result }: { result: Pick<ApplyResultShape, 'rebootProof'> }) {
  const p = result.rebootProof;
  if (!p) return null;
  return (
    <div className={`reboot-proof ${p.ok ? 'ok' : 'bad'}`} aria-label="Reboot proof" role="group">
      <h4>Reboot proof</h4>
      <p className={p.ok ? '' : 'strong'}>{p.ok ? 'The change survived a reboot: every check and canary held after the VM booted again.' : 'The change does not survive a reboot.'}</p>
      <p className="small muted">
        Boot id <span className="mono">{p.bootIdBefore.slice(0, 8)}</span> before, <span className="mono">{p.bootIdAfter.slice(0, 8)}</span> after
        {p.bootIdBefore !== p.bootIdAfter ? ' (a real reboot).' : ' (the VM did not reboot).'}
      </p>
      {p.lost.length > 0 && (
        <ul className="changed-list" aria-label="Lost after the reboot">
          {p.lost.map((l) => (
            <li key={l}>Held before, failed after: {l}</li>
          ))}
        </ul>
      )}
      {p.reasons.length > 0 && (
        <ul className="changed-list" aria-label="Why">
          {p.reasons.map((r) => (
            <li key={r}>Why: {r}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
