import { useMemo } from 'react';
import type { PlanFile } from '../../../../shared/domain';
import { diffStats, diffTextFor, fileChange, highlightConfigLine, parseUnifiedDiff, sideBySideFolded } from '../../lib/diffRows';

export type DiffMode = 'unified' | 'split';

function Code({ text }: { text: string }) {
  return (
    <>
      {highlightConfigLine(text).map((s, i) =>
        s.cls === 'plain' ? <span key={i}>{s.text}</span> : (
          <span key={i} className={`tok-${s.cls}`}>
            {s.text}
          </span>
        ),
      )}
    </>
  );
}

const CHANGE_LABEL = { new: 'new file', deleted: 'deleted', modified: 'modified', unchanged: 'unchanged' } as const;

/** One file of a plan: header with what happens to it, then its diff, unified or side by side. */
export function FileDiff({ file, mode }: { file: PlanFile; mode: DiffMode }) {
  const rows = useMemo(() => parseUnifiedDiff(diffTextFor(file)), [file]);
  const stats = diffStats(rows);
  const change = fileChange(file);
  const split = useMemo(() => (mode === 'split' ? sideBySideFolded(file.before, file.after) : []), [file, mode]);

  return (
    <article className="file-diff" aria-label={`Changes to ${file.path}`}>
      <header className="file-diff-head">
        <span className="mono file-path">{file.path}</span>
        <span className={`pill small-pill change-${change}`}>{CHANGE_LABEL[change]}</span>
        {file.mode && <span className="muted small mono">mode {file.mode}</span>}
        <span className="diff-stats" aria-label={`${stats.added} lines added, ${stats.removed} removed`}>
          <span className="stat-add">+{stats.added}</span> <span className="stat-remove">−{stats.removed}</span>
        </span>
      </header>
      {rows.length === 0 ? (
        <p className="muted small file-diff-empty">No change to the content of this file.</p>
      ) : mode === 'unified' ? (
        <div className="diff-scroll">
          <table className="diff diff-unified">
            <tbody>
              {rows.map((r, i) =>
                r.kind === 'hunk' ? (
                  <tr key={i} className="diff-hunk">
                    <td className="ln" aria-hidden="true">
                      ⋯
                    </td>
                    <td className="ln" aria-hidden="true">
                      ⋯
                    </td>
                    <td className="code" colSpan={2}>
                      {r.text}
                    </td>
                  </tr>
                ) : r.kind === 'note' ? (
                  <tr key={i} className="diff-note">
                    <td className="ln" />
                    <td className="ln" />
                    <td className="code" colSpan={2}>
                      {r.text}
                    </td>
                  </tr>
                ) : (
                  <tr key={i} className={`diff-${r.kind}`}>
                    <td className="ln">{r.oldNo ?? ''}</td>
                    <td className="ln">{r.newNo ?? ''}</td>
                    <td className="sign" aria-label={r.kind === 'add' ? 'added' : r.kind === 'remove' ? 'removed' : undefined}>
                      {r.kind === 'add' ? '+' : r.kind === 'remove' ? '−' : ' '}
                    </td>
                    <td className="code">
                      <Code text={r.text} />
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      ) : (
        <div className="diff-scroll">
          <table className="diff diff-split">
            <thead className="sr-only">
              <tr>
                <th scope="col">Line before</th>
                <th scope="col">Before</th>
                <th scope="col">Line after</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {split.map((r, i) =>
                r.kind === 'fold' ? (
                  <tr key={i} className="diff-fold">
                    <td colSpan={4}>⋯ {r.hidden} unchanged {r.hidden === 1 ? 'line' : 'lines'}</td>
                  </tr>
                ) : (
                  <tr key={i}>
                    <td className={`ln ${r.row.left ? `side-${r.row.left.kind}` : 'side-empty'}`}>{r.row.left?.n ?? ''}</td>
                    <td className={`code ${r.row.left ? `side-${r.row.left.kind}` : 'side-empty'}`}>{r.row.left ? <Code text={r.row.left.text} /> : null}</td>
                    <td className={`ln ${r.row.right ? `side-${r.row.right.kind}` : 'side-empty'}`}>{r.row.right?.n ?? ''}</td>
                    <td className={`code ${r.row.right ? `side-${r.row.right.kind}` : 'side-empty'}`}>{r.row.right ? <Code text={r.row.right.text} /> : null}</td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}
