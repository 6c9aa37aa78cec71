import { useState } from 'react';
import type { LoadedModuleShape } from '../../../../shared/domain';
import { call, errorText, type ErrorView } from '../../api/client';
import { moduleMarks, sortModules } from '../../lib/modules';
import { useApp } from '../../store';
import { ErrorBox } from '../ErrorBox';

/**
 * What `lsmod` shows, as a table: each loaded module with its size, its users
 * and the marks that say why it must stay (in use, held by another module,
 * a device bound to it, one of the modules containers need).
 */
export function LoadedModules({ profile }: { profile: string }) {
  const connected = useApp((s) => s.connections[profile]?.state === 'connected');
  const [modules, setModules] = useState<LoadedModuleShape[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ErrorView | null>(null);

  const load = async () => {
    setLoading(true);
    setError(null);
    try {
      const r = await call('modules.loaded', { profile });
      setModules(sortModules(r.modules));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };

  return (
    <section className="loaded-modules" aria-label="Loaded kernel modules">
      <div className="plan-section-head">
        <h3>Loaded kernel modules</h3>
        <button type="button" className="small" onClick={() => void load()} disabled={!connected || loading}>
          {loading ? 'Reading…' : modules ? 'Refresh' : 'Show loaded modules'}
        </button>
      </div>
      {error && <ErrorBox error={error} title="The module list could not be read" compact />}
      {modules && (
        <>
          <p className="muted small">
            {modules.length} modules loaded · {modules.filter((m) => moduleMarks(m).inUse).length} in use · {modules.filter((m) => moduleMarks(m).containers).length} needed by
            containers. Modules in use or needed by containers are never blocked.
          </p>
          <div className="table-scroll">
            <table className="modules-table">
              <colgroup>
                <col className="c-name" />
                <col className="c-status" />
                <col className="c-used" />
                <col className="c-size" />
                <col />
              </colgroup>
              <thead>
                <tr>
                  <th scope="col">Module</th>
                  <th scope="col">Status</th>
                  <th scope="col">Used by</th>
                  <th scope="col" className="num">
                    Size
                  </th>
                  <th scope="col">What it is</th>
                </tr>
              </thead>
              <tbody>
                {modules.map((m) => {
                  const marks = moduleMarks(m);
                  return (
                    <tr key={m.name}>
                      <th scope="row" className="mono">
                        {m.name}
                      </th>
                      <td>
                        <span className="marks">
                          {marks.inUse && <span className="pill small-pill warn">in use</span>}
                          {marks.containers && <span className="pill small-pill ok">needed by containers</span>}
                          {!marks.inUse && !marks.containers && <span className="pill small-pill neutral">unused</span>}
                        </span>
                      </td>
                      <td className="mono small">{[...m.usedBy, ...m.devices.map((d) => `device ${d}`)].join(', ') || (m.useCount > 0 ? `${m.useCount} user(s)` : '—')}</td>
                      <td className="num small">{formatSize(m.size)}</td>
                      <td className="small">{m.description || <span className="muted">—</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}
