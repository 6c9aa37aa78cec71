/**
 * One line on stderr per progress event of the CLI's own operations, with
 * the time since the command started, so `hardenlab apply` says what it is
 * doing through a ten-minute kernel upgrade. Pure, for tests.
 */
export interface ProgressLine {
  phase: string;
  message: string;
  level?: 'info' | 'warn' | 'error';
  percent?: number;
}

import { terminalSafe } from './terminal-text';

export function formatProgress(p: ProgressLine, elapsedMs: number): string {
  const seconds = (Math.max(0, elapsedMs) / 1000).toFixed(1).padStart(6);
  const mark = p.level === 'error' ? 'ERROR ' : p.level === 'warn' ? 'WARN ' : '';
  const percent = p.percent !== undefined ? ` (${Math.round(p.percent)}%)` : '';
  // A message is one line: a multi-line one (command output) is folded so each event stays one line.
  const message = terminalSafe(p.message).replace(/\s*\n\s*/g, ' / ').trim();
  return `[${seconds}s] ${mark}${terminalSafe(p.phase)}: ${message}${percent}\n`;
}
