/** Summary of repeated timings, in milliseconds. */
export interface Summary {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  samplesMs: number[];
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('No samples.');
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { runs: s.length, medianMs: round(median), minMs: round(s[0]!), maxMs: round(s[s.length - 1]!), samplesMs: samples.map(round) };
}

/** How many times faster (>1) or slower (<1) ours is than the peer, by medians. */
export function ratio(ours: Summary, peer: Summary | null): number | null {
  if (!peer || ours.medianMs <= 0) return null;
  return Math.round((peer.medianMs / ours.medianMs) * 100) / 100;
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
