import { cpus, totalmem, release, platform } from 'node:os';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCore, type Core } from '../../core/api/core';
import { labUp, type LabProfileInfo } from '../../core/lab/index';
import { hardenlabCache } from '../../core/paths';
import { run } from '../../core/proc';
import type { HypervisorDriver } from '../../core/hypervisor/types';
import { formatMs, ratio, summarize, type Summary } from './stats';
import { BENCH_ITEMS, type BenchContext, type BenchItem, type Sample } from './items';

/**
 * `npm run bench`: Harden Lab against the tools people use today, side by
 * side on the same lab VM in one run. Each figure is the median of several
 * runs (with min and max); ours and the peer's runs alternate so that the
 * machine's mood affects both alike. Before every run the VM goes back to
 * the bench baseline snapshot, so no run sees another's leftovers.
 */
export interface BenchOptions {
  runs?: number;
  only?: string[];
  out?: string;
  log?: (line: string) => void;
}

export interface BenchFigure {
  id: string;
  title: string;
  /** null when every run of our side failed (see errors). */
  ours: (Summary & { what: string }) | null;
  peer: (Summary & { what: string }) | null;
  /** peer median / our median: above 1 means we are faster. */
  ratio: number | null;
  notes: string[];
  /** Runs that failed, with why: a failed run is reported, and the other figures still get measured. */
  errors: string[];
}

export interface BenchReport {
  generatedAt: string;
  durationSeconds: number;
  /** false while the run is still going (or was cut short): the figures so far. */
  complete: boolean;
  machine: Record<string, string | number>;
  lab: { accel: string; kernel: string | undefined; bootSeconds: number };
  figures: BenchFigure[];
}

async function machineInfo(): Promise<Record<string, string | number>> {
  const qemu = await run('qemu-system-x86_64', ['--version'], { timeoutMs: 5000 }).catch(() => null);
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    qemu: qemu?.stdout.split('\n')[0] ?? 'unknown',
  };
}

export function renderTable(report: BenchReport): string {
  const cell = (x: Summary | null, failed: boolean) => (x ? `${formatMs(x.medianMs)} (${formatMs(x.minMs)}-${formatMs(x.maxMs)})${x.runs > 1 ? '' : ', 1 run'}` : failed ? 'failed' : 'n/a');
  const rows = report.figures.map((f) => [f.title, cell(f.ours, f.errors.length > 0), cell(f.peer, f.errors.length > 0), f.ratio === null ? 'n/a' : `${f.ratio}x`]);
  const head = ['Benchmark', 'Harden Lab, median (min-max)', 'Peer, median (min-max)', 'Peer / ours'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchReport> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const started = Date.now();
  const home = process.env.HARDENLAB_BENCH_HOME ?? join(hardenlabCache(), 'bench-home');
  process.env.HARDENLAB_HOME = home;
  log(`[bench] lab VM in ${home} (building the image on first use takes a few minutes)`);
  const lab: LabProfileInfo = await labUp({ name: 'lab', home, onProgress: (p) => log(`[lab] ${p.phase}: ${p.message}`) });
  const core: Core = createCore({ door: 'cli', home, prompter: async () => 'cancel' });
  const driver: HypervisorDriver = await core.services.drivers.getDriver('qemu');
  const items = BENCH_ITEMS.filter((i) => !opts.only || opts.only.includes(i.id));
  const ctx: BenchContext = { core, lab, driver, log, baselineId: '' };

  try {
    for (const item of items) if (item.prepareVm) await item.prepareVm(ctx);
    const existing = new Set((await driver.listSnapshots('lab')).snapshots.map((s) => s.id));
    ctx.baselineId = (await driver.takeSnapshot('lab', `bench-baseline-${Date.now()}`, { live: true, description: 'Harden Lab benchmark baseline' })).id;
    const machine = await machineInfo();
    const out = opts.out ?? join(process.cwd(), 'bench', 'results', 'latest.json');
    await mkdir(join(out, '..'), { recursive: true });
    const figures: BenchFigure[] = [];
    const report = (complete: boolean): BenchReport => ({
      generatedAt: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      complete,
      machine,
      lab: { accel: lab.accel, kernel: lab.kernel, bootSeconds: lab.bootSeconds },
      figures,
    });
    // Written after every figure (complete: false until the end): a long run cut short keeps what it measured.
    const save = async (r: BenchReport) => {
      await writeFile(`${out}.tmp`, JSON.stringify(r, null, 2) + '\n');
      await rename(`${out}.tmp`, out);
    };
    for (const item of items) {
      figures.push(await measure(item, ctx, opts.runs));
      if (figures.length < items.length) await save(report(false));
    }
    await backToBaseline(ctx);
    for (const s of (await driver.listSnapshots('lab')).snapshots.reverse()) if (!existing.has(s.id)) await driver.deleteSnapshot('lab', s.id).catch(() => undefined);
    const final = report(true);
    await save(final);
    log(`[bench] wrote ${out} after ${final.durationSeconds} s`);
    return final;
  } finally {
    await core.dispose();
  }
}

export async function backToBaseline(ctx: BenchContext): Promise<void> {
  ctx.core.services.connections.forget('lab');
  await ctx.driver.restoreSnapshot('lab', ctx.baselineId);
  const profile = await ctx.core.services.profiles.get('lab');
  await ctx.core.services.connections.waitForSsh(profile, { deadlineMs: 180_000 });
}

/** One run of one side; a failure is logged and kept, not thrown, so one broken peer does not cost the whole run. */
async function attempt(side: 'ours' | 'peer', i: number, fn: () => Promise<Sample>, ctx: BenchContext, errors: string[], notes: string[], into: number[]): Promise<void> {
  try {
    await backToBaseline(ctx);
    const r = await fn();
    into.push(r.ms);
    if (r.note && !notes.includes(r.note)) notes.push(r.note);
    ctx.log(`  run ${i + 1}: ${side} ${formatMs(r.ms)}`);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    errors.push(`run ${i + 1}, ${side}: ${message}`);
    ctx.log(`  run ${i + 1}: ${side} FAILED: ${message}`);
  }
}

async function measure(item: BenchItem, ctx: BenchContext, runsOverride?: number): Promise<BenchFigure> {
  const runs = runsOverride ?? item.runs;
  const ours: number[] = [];
  const peer: number[] = [];
  const notes: string[] = [];
  const errors: string[] = [];
  ctx.log(`[bench] ${item.title}: ${runs} runs each, alternating`);
  for (let i = 0; i < runs; i++) {
    await attempt('ours', i, () => item.ours(ctx), ctx, errors, notes, ours);
    if (item.peer && i < (item.peerRuns ?? runs)) await attempt('peer', i, () => item.peer!(ctx), ctx, errors, notes, peer);
  }
  const o = ours.length ? summarize(ours) : null;
  const p = peer.length ? summarize(peer) : null;
  return {
    id: item.id,
    title: item.title,
    ours: o ? { what: item.oursWhat, ...o } : null,
    peer: p ? { what: item.peerWhat ?? '', ...p } : null,
    ratio: o && p ? ratio(o, p) : null,
    notes,
    errors,
  };
}
