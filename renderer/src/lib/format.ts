/**
 * Time and duration wording used across the UI. Pure: `now` is passed in so
 * that ticking displays and tests agree on the same instant.
 */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** A short duration for results: "850 ms", "4.2 s", "3 min 12 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const min = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s === 0 ? `${min} min` : `${min} min ${s} s`;
}

export function parseTime(iso: string | undefined | null): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago"; future times say "in …". */
export function formatRelative(iso: string | undefined | null, now: number): string {
  const t = parseTime(iso);
  if (t === null) return 'unknown time';
  const diff = now - t;
  const abs = Math.abs(diff);
  const future = diff < 0;
  // A display's `now` ticks slowly (once a minute), so something that just happened can look a little in
  // the future; that is "just now", not "in 1 min".
  if (future && abs < 5 * 60_000) return 'just now';
  const say = (n: number, unit: string) => (future ? `in ${n} ${unit}` : `${n} ${unit} ago`);
  if (abs < 45_000) return 'just now';
  if (abs < 3_600_000) return say(Math.max(1, Math.round(abs / 60_000)), 'min');
  if (abs < 86_400_000) return say(Math.round(abs / 3_600_000), 'h');
  const days = Math.round(abs / 86_400_000);
  return say(days, days === 1 ? 'day' : 'days');
}

/** Absolute local date and time, e.g. "29 Nov 2026, 05:43". */
export function formatDateTime(iso: string | undefined | null): string {
  const t = parseTime(iso);
  if (t === null) return 'unknown time';
  return new Date(t).toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}
