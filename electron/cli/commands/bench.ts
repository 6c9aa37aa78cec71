import { parse, noExtraPositionals } from '../args';
import { EXIT, UsageError } from '../io';
import type { Command } from './types';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Measure Harden Lab against the tools people use, side by side on the lab VM (writes bench/results/latest.json)',
  usage: 'hardenlab bench [--runs N] [--only ID,ID] [--out FILE] [--json]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { runs: { type: 'string' }, only: { type: 'string' }, out: { type: 'string' } });
    noExtraPositionals(positionals, 0, this.usage);
    const runs = values.runs === undefined ? undefined : Number(values.runs);
    if (runs !== undefined && (!Number.isInteger(runs) || runs < 1 || runs > 50)) throw new UsageError('--runs must be a whole number from 1 to 50.');
    const { runBench, renderTable } = await import('../bench/run');
    const { BENCH_ITEMS } = await import('../bench/items');
    const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = only?.filter((id) => !BENCH_ITEMS.some((i) => i.id === id)) ?? [];
    if (unknown.length) throw new UsageError(`Unknown benchmark ${unknown.join(', ')}; known: ${BENCH_ITEMS.map((i) => i.id).join(', ')}.`);
    ctx.io.err('This boots (or reuses) the lab VM and takes several minutes under TCG; progress follows.\n');
    const report = await runBench({ ...(runs ? { runs } : {}), ...(only ? { only } : {}), ...(values.out ? { out: values.out } : {}), log: (l) => ctx.io.err(l + '\n') });
    const failed = report.figures.flatMap((f) => f.errors.map((e) => `${f.id}: ${e}`));
    ctx.print(report, () =>
      [
        renderTable(report),
        '',
        `Machine: ${report.machine.cpuModel} x${report.machine.cpus}, ${report.machine.memoryGiB} GiB; lab VM under ${report.lab.accel}. Took ${report.durationSeconds} s.`,
        ...(failed.length ? ['', 'Failed runs:', ...failed.map((f) => `  ${f}`)] : []),
      ].join('\n'),
    );
    return failed.length ? EXIT.FAILED : EXIT.OK;
  },
};
