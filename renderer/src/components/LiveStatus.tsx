import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { latestEvent } from '../lib/phases';
import { Spinner } from './Icon';
import { Elapsed, useOpEvents } from './OpProgress';

/**
 * A strip above every view while the active VM is busy in a way that changes
 * what you see: a restore, an apply (which may reboot it), a lab build, a
 * reconnect. It says what is happening and links to the full progress.
 */
export function LiveStatus() {
  const { op, reconnecting, message } = useApp(
    useShallow((s) => {
      const profile = s.activeProfile;
      const busy = Object.values(s.ops)
        .filter((o) => o.status === 'running' && (o.kind === 'restore' || o.kind === 'apply' || o.kind === 'lab' || o.kind === 'revert') && (o.profile === profile || o.kind === 'lab'))
        .sort((a, b) => b.startedAt - a.startedAt)[0];
      const conn = profile ? s.connections[profile] : undefined;
      return { op: busy ?? null, reconnecting: conn?.state === 'reconnecting', message: conn?.message ?? null };
    }),
  );
  const openRevert = useApp((s) => s.openRevertDialog);
  const setView = useApp((s) => s.setView);
  const view = useApp((s) => s.view);
  const hasProfiles = useApp((s) => s.profiles.length > 0);
  const events = useOpEvents(op?.id);
  const last = latestEvent(events);

  if (!op && !reconnecting) return <div className="live-status-slot" />;

  const show = () => {
    if (!op) return;
    if (op.kind === 'restore') openRevert(null);
    // The lab build shows where it was started: the first-run screen, or Connections once a VM exists.
    else if (op.kind === 'lab') setView(hasProfiles ? 'connections' : 'dashboard');
    else if (op.kind === 'apply' && view !== 'steps' && view !== 'walkthrough') setView('steps');
    else if (op.kind === 'revert') setView('journal');
  };

  return (
    <div className="live-status-slot">
      <div className="live-status" role="status" aria-live="polite">
        <Spinner />
        <span className="live-status-label">{op ? op.label : 'Reconnecting to the VM'}</span>
        <span className="live-status-msg">{last?.message ?? message ?? ''}</span>
        {op && <Elapsed startedAt={op.startedAt} />}
        {op && (
          <button type="button" className="ghost small" onClick={show}>
            Show progress
          </button>
        )}
      </div>
    </div>
  );
}
