import type { TrialComparisonShape } from '../../../shared/policy';
import { esc, htmlDiff, htmlPage } from './report';

/**
 * A comparison of trials as Markdown or HTML, from one table model so the
 * two formats never disagree.
 */
const score = (s: { passed: number; total: number; percent: number } | null) => (s ? `${s.passed}/${s.total} (${s.percent}%)` : '-');
const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

function tables(c: TrialComparisonShape): Table[] {
  const names = c.trials.map((t) => `${t.policy.name} v${t.policy.version}`);
  return [
    {
      title: 'Trials',
      header: ['', ...names],
      rows: [
        ['Experiment', ...c.trials.map((t) => t.experimentId)],
        ['Outcome', ...c.trials.map((t) => t.outcome)],
        ['Audit before', ...c.trials.map((t) => score(t.scoreBefore))],
        ['Audit after', ...c.trials.map((t) => score(t.scoreAfter))],
        ['Reboot proof', ...c.trials.map((t) => (t.rebootProof === null ? 'not asked' : t.rebootProof ? 'survived' : 'LOST'))],
        ['Time taken', ...c.trials.map((t) => secs(t.durationMs))],
        ['Result snapshot', ...c.trials.map((t) => t.resultSnapshot?.name ?? '-')],
      ],
    },
    { title: 'Settings that differ', header: ['Setting', ...names], rows: c.settings.map((s) => [s.unit, ...s.in.map((x) => (x ? 'applied' : '-'))]) },
    { title: 'Audit checks that differ', header: ['Check', ...names], rows: c.checks.map((x) => [x.title, ...x.status.map((st) => st ?? '-')]) },
    { title: 'Canaries', header: ['Canary', ...names], rows: c.canaries.map((x) => [x.name, ...x.verdicts.map((v) => v ?? '-')]) },
    { title: 'Files', header: ['File', 'State'], rows: c.files.map((f) => [f.path, f.state]) },
  ];
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function comparisonMarkdown(c: TrialComparisonShape): string {
  const out = [`# Trials compared, from "${c.baseline.name}"`, ''];
  for (const t of tables(c)) {
    out.push(`## ${t.title}`, '');
    if (t.rows.length === 0) {
      out.push('None.', '');
      continue;
    }
    out.push(`| ${t.header.map(cell).join(' | ')} |`, `|${t.header.map(() => ' --- ').join('|')}|`, ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`), '');
  }
  for (const f of c.files.filter((x) => x.diffs.length)) out.push(`### ${f.path}`, '', ...f.diffs.map((d) => '```diff\n' + d.trimEnd() + '\n```'), '');
  return out.join('\n');
}

export function comparisonHtml(c: TrialComparisonShape): string {
  const title = `Trials compared, from "${c.baseline.name}"`;
  const body = [`<h1>${esc(title)}</h1>`];
  for (const t of tables(c)) {
    body.push(`<h2>${esc(t.title)}</h2>`);
    if (t.rows.length === 0) body.push('<p class="muted">None.</p>');
    else body.push(`<table><tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${t.rows.map((r) => `<tr>${r.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`).join('')}</table>`);
  }
  for (const f of c.files.filter((x) => x.diffs.length)) body.push(`<h3><code>${esc(f.path)}</code></h3>`, ...f.diffs.map(htmlDiff));
  return htmlPage(title, body.join('\n'));
}
