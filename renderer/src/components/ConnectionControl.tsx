import { useApp } from '../store';
import type { ConnectionStateName } from '../store';
import { Spinner } from './Icon';

export const CONNECTION_LABEL: Record<ConnectionStateName, string> = {
  disconnected: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Connection failed',
};

const TONE: Record<ConnectionStateName, string> = {
  disconnected: 'idle',
  connecting: 'busy',
  connected: 'ok',
  reconnecting: 'busy',
  failed: 'bad',
};

export function ConnectionPill({ state, title }: { state: ConnectionStateName; title?: string }) {
  return (
    <span className={`status-pill status-${TONE[state]}`} role="status" aria-label={`Connection: ${CONNECTION_LABEL[state]}`} title={title}>
      {state === 'connecting' || state === 'reconnecting' ? <Spinner /> : <span className="status-dot" aria-hidden="true" />}
      <span aria-hidden="true">{CONNECTION_LABEL[state]}</span>
    </span>
  );
}

/** The TopBar's connection status for the active profile, with the one action that makes sense now. */
export function ConnectionControl() {
  const active = useApp((s) => s.activeProfile);
  const conn = useApp((s) => (s.activeProfile ? s.connections[s.activeProfile] : undefined));
  const connect = useApp((s) => s.connect);
  const disconnect = useApp((s) => s.disconnect);
  const cancelOp = useApp((s) => s.cancelOp);
  const restoring = useApp((s) => s.restore?.status === 'running' && s.restore.profile === s.activeProfile);
  if (!active) return null;
  const state = conn?.state ?? 'disconnected';
  const title = conn?.error ? `${conn.error.message}${conn.error.hint ? ` ${conn.error.hint}` : ''}` : (conn?.message ?? undefined);

  return (
    <div className="connection-control">
      <ConnectionPill state={state} {...(title ? { title } : {})} />
      {state === 'connected' && (
        <button type="button" className="ghost small" onClick={() => void disconnect(active)} disabled={restoring}>
          Disconnect
        </button>
      )}
      {(state === 'disconnected' || state === 'failed') && (
        <button type="button" className="small" onClick={() => void connect(active)}>
          {state === 'failed' ? 'Retry' : 'Connect'}
        </button>
      )}
      {state === 'connecting' && conn?.opId && (
        <button type="button" className="ghost small" onClick={() => void cancelOp(conn.opId!)}>
          Cancel
        </button>
      )}
    </div>
  );
}
