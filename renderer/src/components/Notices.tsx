import { useEffect } from 'react';
import { useApp, type Notice } from '../store';

const AUTO_DISMISS_MS = 7000;

function NoticeItem({ n }: { n: Notice }) {
  const dismiss = useApp((s) => s.dismiss);
  // Good news fades on its own; errors stay until read.
  useEffect(() => {
    if (n.level === 'error') return;
    const t = setTimeout(() => dismiss(n.id), AUTO_DISMISS_MS);
    return () => clearTimeout(t);
  }, [n.id, n.level, dismiss]);
  return (
    <div className={`notice notice-${n.level}`} role={n.level === 'error' ? 'alert' : undefined}>
      <div>
        <p>{n.message}</p>
        {n.hint && <p className="hint">{n.hint}</p>}
      </div>
      <button type="button" className="ghost small" onClick={() => dismiss(n.id)} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}

export function Notices() {
  const notices = useApp((s) => s.notices);
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <NoticeItem key={n.id} n={n} />
      ))}
    </div>
  );
}
