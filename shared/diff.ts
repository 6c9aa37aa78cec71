/**
 * Line diff and unified-diff rendering for plan previews, on the `diff`
 * package (jsdiff): the renderer shows the same hunks the CLI prints.
 * Lines are compared without their line ends, and a missing final newline is
 * not reported (no "\ No newline at end of file"): plan previews show config
 * lines, as they always have.
 */
import { diffArrays, structuredPatch } from 'diff';

export type DiffOp = { kind: 'equal' | 'add' | 'remove'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The same text with every line newline-terminated, so jsdiff never adds "\ No newline" markers. */
function normalized(text: string): string {
  const lines = splitLines(text);
  return lines.length ? lines.join('\n') + '\n' : '';
}

export function diffLines(before: string, after: string): DiffOp[] {
  const ops: DiffOp[] = [];
  for (const part of diffArrays(splitLines(before), splitLines(after))) {
    const kind = part.added ? 'add' : part.removed ? 'remove' : 'equal';
    for (const line of part.value) ops.push({ kind, line });
  }
  return ops;
}

/**
 * A unified diff as `diff -u` prints it. `before` null means a new file,
 * `after` null a deleted one. Identical contents give an empty string.
 */
export function unifiedDiff(path: string, before: string | null, after: string | null, context = 3): string {
  const a = normalized(before ?? '');
  const b = normalized(after ?? '');
  if (before !== null && after !== null && before === after) return '';
  const patch = structuredPatch(`a${path}`, `b${path}`, a, b, undefined, undefined, { context });
  const header = [`--- ${before === null ? '/dev/null' : `a${path}`}`, `+++ ${after === null ? '/dev/null' : `b${path}`}`];
  // `diff -u` ranges: a one-line range is just its start, an empty one names the line before it.
  const range = (start: number, len: number) => (len === 1 ? `${start}` : `${len === 0 ? Math.max(0, start - 1) : start},${len}`);
  const body = patch.hunks.flatMap((h) => [
    `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`,
    ...h.lines,
  ]);
  return [...header, ...body].join('\n') + '\n';
}

/** Side-by-side rows for the preview's two-column view. */
export interface SideBySideRow {
  left: { n: number; text: string; kind: 'equal' | 'remove' } | null;
  right: { n: number; text: string; kind: 'equal' | 'add' } | null;
}
export function sideBySide(before: string, after: string): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  let l = 1;
  let r = 1;
  const ops = diffLines(before, after);
  for (let i = 0; i < ops.length; ) {
    const op = ops[i]!;
    if (op.kind === 'equal') {
      rows.push({ left: { n: l++, text: op.line, kind: 'equal' }, right: { n: r++, text: op.line, kind: 'equal' } });
      i++;
      continue;
    }
    const removes: string[] = [];
    const adds: string[] = [];
    while (i < ops.length && ops[i]!.kind !== 'equal') {
      if (ops[i]!.kind === 'remove') removes.push(ops[i]!.line);
      else adds.push(ops[i]!.line);
      i++;
    }
    for (let j = 0; j < Math.max(removes.length, adds.length); j++) {
      rows.push({
        left: j < removes.length ? { n: l++, text: removes[j]!, kind: 'remove' } : null,
        right: j < adds.length ? { n: r++, text: adds[j]!, kind: 'add' } : null,
      });
    }
  }
  return rows;
}
