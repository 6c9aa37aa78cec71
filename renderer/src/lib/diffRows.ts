import { sideBySide, unifiedDiff, type SideBySideRow } from '../../../shared/diff';
import type { PlanFile } from '../../../shared/domain';

/**
 * View models for the plan preview's diffs. The core sends each file's
 * unified diff (shared/diff.ts) plus before/after; the unified view parses
 * the diff text (so it shows exactly what the CLI prints), the side-by-side
 * view is built from before/after with long unchanged runs folded.
 */
export type UnifiedRow =
  | { kind: 'hunk'; text: string; oldStart: number; newStart: number }
  | { kind: 'context' | 'add' | 'remove'; text: string; oldNo: number | null; newNo: number | null }
  | { kind: 'note'; text: string };

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;

export function parseUnifiedDiff(diff: string): UnifiedRow[] {
  const rows: UnifiedRow[] = [];
  let oldNo = 0;
  let newNo = 0;
  let inHunk = false;
  const lines = diff.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const h = HUNK.exec(line);
    if (h) {
      oldNo = Number(h[1]);
      newNo = Number(h[3]);
      // "-0,0": a new file; its first line is still line 1.
      if (h[2] === '0') oldNo += 1;
      if (h[4] === '0') newNo += 1;
      rows.push({ kind: 'hunk', text: line, oldStart: oldNo, newStart: newNo });
      inHunk = true;
      continue;
    }
    if (!inHunk) continue; // ---/+++ headers: the file card already names the file.
    if (line.startsWith('\\')) rows.push({ kind: 'note', text: line.slice(1).trim() });
    else if (line.startsWith('+')) rows.push({ kind: 'add', text: line.slice(1), oldNo: null, newNo: newNo++ });
    else if (line.startsWith('-')) rows.push({ kind: 'remove', text: line.slice(1), oldNo: oldNo++, newNo: null });
    else rows.push({ kind: 'context', text: line.slice(1), oldNo: oldNo++, newNo: newNo++ });
  }
  return rows;
}

export type FileChange = 'new' | 'deleted' | 'modified' | 'unchanged';

export function fileChange(f: Pick<PlanFile, 'before' | 'after'>): FileChange {
  if (f.before === null && f.after !== null) return 'new';
  if (f.after === null && f.before !== null) return 'deleted';
  return f.before === f.after ? 'unchanged' : 'modified';
}

/** The diff text to show: the core's, or one computed here if it sent none. */
export function diffTextFor(f: PlanFile): string {
  if (f.diff.trim() !== '') return f.diff;
  return unifiedDiff(f.path, f.before, f.after);
}

export function diffStats(rows: UnifiedRow[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const r of rows) {
    if (r.kind === 'add') added++;
    else if (r.kind === 'remove') removed++;
  }
  return { added, removed };
}

export type SideRow = { kind: 'row'; row: SideBySideRow } | { kind: 'fold'; hidden: number; leftFrom: number; rightFrom: number };

/** Side-by-side rows with unchanged runs longer than 2*context folded into one "N unchanged lines" row. */
export function sideBySideFolded(before: string | null, after: string | null, context = 3): SideRow[] {
  const rows = sideBySide(before ?? '', after ?? '');
  const changed = rows.map((r) => r.left?.kind === 'remove' || r.right?.kind === 'add');
  const keep = rows.map((_, i) => {
    for (let j = Math.max(0, i - context); j <= Math.min(rows.length - 1, i + context); j++) if (changed[j]) return true;
    return false;
  });
  const out: SideRow[] = [];
  for (let i = 0; i < rows.length; ) {
    if (keep[i]) {
      out.push({ kind: 'row', row: rows[i]! });
      i++;
      continue;
    }
    let j = i;
    while (j < rows.length && !keep[j]) j++;
    const first = rows[i]!;
    out.push({ kind: 'fold', hidden: j - i, leftFrom: first.left?.n ?? 0, rightFrom: first.right?.n ?? 0 });
    i = j;
  }
  return out;
}

/**
 * Light syntax colouring for the configuration files steps edit (sshd_config,
 * sysctl.d, modprobe.d, sources.list): comments, the leading keyword, an
 * `=` and the value. Unknown shapes come back as one plain segment.
 */
export type Segment = { cls: 'plain' | 'comment' | 'key' | 'punct' | 'value'; text: string };

export function highlightConfigLine(line: string): Segment[] {
  if (line.trim() === '') return [{ cls: 'plain', text: line }];
  const lead = /^\s*/.exec(line)![0];
  const rest = line.slice(lead.length);
  const segs: Segment[] = lead ? [{ cls: 'plain', text: lead }] : [];
  if (rest.startsWith('#') || rest.startsWith(';')) return [...segs, { cls: 'comment', text: rest }];
  const m = /^([A-Za-z_][\w.\-/]*)(\s*=\s*|\s+)?(.*)$/.exec(rest);
  if (!m) return [...segs, { cls: 'plain', text: rest }];
  segs.push({ cls: 'key', text: m[1]! });
  if (m[2]) segs.push({ cls: m[2].includes('=') ? 'punct' : 'plain', text: m[2] });
  if (m[3]) {
    const hash = m[3].search(/\s#/);
    if (hash >= 0) {
      segs.push({ cls: 'value', text: m[3].slice(0, hash) });
      segs.push({ cls: 'comment', text: m[3].slice(hash) });
    } else segs.push({ cls: 'value', text: m[3] });
  }
  return segs;
}
