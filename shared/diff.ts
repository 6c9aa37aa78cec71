/**
 * Line diff (Myers, O(ND)) and unified-diff rendering for plan previews.
 * Pure and dependency-free: the renderer shows the same hunks the CLI prints.
 */
export type DiffOp = { kind: 'equal' | 'add' | 'remove'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function diffLines(before: string, after: string): DiffOp[] {
  const a = splitLines(before);
  const b = splitLines(after);
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Map<number, number>([[1, 0]]);
  const trace: Map<number, number>[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(new Map(v));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v.get(k - 1) ?? -1) < (v.get(k + 1) ?? -1));
      let x = down ? (v.get(k + 1) ?? 0) : (v.get(k - 1) ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v.set(k, x);
      if (x >= n && y >= m) break outer;
    }
  }
  // Walk the trace back from the end to recover the edit script.
  const ops: DiffOp[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && (vd.get(k - 1) ?? -1) < (vd.get(k + 1) ?? -1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = vd.get(prevK) ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: 'equal', line: a[x - 1]! });
      x--;
      y--;
    }
    if (d > 0) {
      if (down) ops.push({ kind: 'add', line: b[y - 1]! });
      else ops.push({ kind: 'remove', line: a[x - 1]! });
    }
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push({ kind: 'equal', line: a[x - 1]! });
    x--;
    y--;
  }
  return ops.reverse();
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  ops: DiffOp[];
}

export function hunks(ops: DiffOp[], context = 3): Hunk[] {
  const out: Hunk[] = [];
  let oldLine = 1;
  let newLine = 1;
  let current: Hunk | null = null;
  let trailingEqual = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.kind === 'equal') {
      if (current) {
        // Keep the hunk open while the next change is within 2*context lines.
        let nextChange = -1;
        for (let j = i; j < ops.length && j <= i + 2 * context; j++) {
          if (ops[j]!.kind !== 'equal') {
            nextChange = j;
            break;
          }
        }
        if (nextChange === -1 && trailingEqual >= context) {
          out.push(current);
          current = null;
          trailingEqual = 0;
        } else {
          current.ops.push(op);
          current.oldLines++;
          current.newLines++;
          trailingEqual++;
        }
      }
      oldLine++;
      newLine++;
      continue;
    }
    if (!current) {
      const lead: DiffOp[] = [];
      for (let j = i - 1; j >= 0 && lead.length < context && ops[j]!.kind === 'equal'; j--) lead.unshift(ops[j]!);
      current = { oldStart: oldLine - lead.length, newStart: newLine - lead.length, oldLines: lead.length, newLines: lead.length, ops: [...lead] };
    }
    trailingEqual = 0;
    current.ops.push(op);
    if (op.kind === 'remove') {
      current.oldLines++;
      oldLine++;
    } else {
      current.newLines++;
      newLine++;
    }
  }
  if (current) {
    // Trim context beyond the limit at the end.
    while (trailingEqual > context) {
      current.ops.pop();
      current.oldLines--;
      current.newLines--;
      trailingEqual--;
    }
    out.push(current);
  }
  return out;
}

/**
 * A unified diff as `diff -u` prints it. `before` null means a new file,
 * `after` null a deleted one. Identical contents give an empty string.
 */
export function unifiedDiff(path: string, before: string | null, after: string | null, context = 3): string {
  const a = before ?? '';
  const b = after ?? '';
  if (before !== null && after !== null && a === b) return '';
  const ops = diffLines(a, b);
  const hs = hunks(ops, context);
  const header = [`--- ${before === null ? '/dev/null' : `a${path}`}`, `+++ ${after === null ? '/dev/null' : `b${path}`}`];
  const range = (start: number, len: number) => (len === 1 ? `${start}` : `${len === 0 ? Math.max(0, start - 1) : start},${len}`);
  const body = hs.flatMap((h) => [
    `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`,
    ...h.ops.map((o) => (o.kind === 'equal' ? ' ' : o.kind === 'add' ? '+' : '-') + o.line),
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
