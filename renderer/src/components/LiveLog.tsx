import { useLayoutEffect, useRef, useState } from 'react';
import type { ProgressEvent } from '../../../shared/contract';
import { isNearBottom } from '../lib/scroll';

const timeOf = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
};

/**
 * A live operation log. It follows new lines while the reader is at the
 * bottom; once they scroll up to read, it stays put and offers a jump back.
 */
export function LiveLog({ events, label = 'Operation log', height = 'md' }: { events: readonly ProgressEvent[] | readonly { at: string; phase: string; message: string; level?: string }[]; label?: string; height?: 'sm' | 'md' | 'lg' }) {
  const ref = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const [behind, setBehind] = useState(false);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (stick.current) el.scrollTop = el.scrollHeight;
    else setBehind(true);
  }, [events.length]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    stick.current = isNearBottom(el.scrollTop, el.clientHeight, el.scrollHeight);
    if (stick.current) setBehind(false);
  };

  const jump = () => {
    const el = ref.current;
    if (!el) return;
    stick.current = true;
    el.scrollTop = el.scrollHeight;
    setBehind(false);
  };

  return (
    <div className={`live-log-wrap live-log-${height}`}>
      <ol ref={ref} className="live-log" role="log" aria-live="polite" aria-label={label} tabIndex={0} onScroll={onScroll}>
        {events.length === 0 && <li className="live-log-empty">Waiting for the first message…</li>}
        {events.map((e, i) => (
          <li key={i} className={`live-log-line level-${'level' in e && e.level ? e.level : 'info'}`}>
            <time className="live-log-time">{timeOf(e.at)}</time>
            <span className="live-log-phase">{e.phase}</span>
            <span className="live-log-msg">{e.message}</span>
          </li>
        ))}
      </ol>
      {behind && (
        <button type="button" className="small jump-latest" onClick={jump}>
          Jump to latest
        </button>
      )}
    </div>
  );
}
