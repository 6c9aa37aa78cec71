import { HardenLabError } from '../errors';
import type { StepContext, StepPlanDraft } from './step';
import { mustExec } from './target';

/** Writes every planned file atomically (with a backup), then runs the planned commands in order. */
export async function defaultApply(draft: StepPlanDraft, ctx: StepContext): Promise<void> {
  for (const f of draft.files) {
    if (f.after === null) {
      await mustExec(ctx.target, ['rm', '-f', '--', f.path], { elevate: true }, `Removing ${f.path}`);
      ctx.log(`Removed ${f.path}.`);
    } else {
      const r = await ctx.target.writeFile(f.path, f.after, { elevate: true, ...(f.mode && f.before === null ? { mode: f.mode } : {}) });
      ctx.log(`Wrote ${f.path}${r.backupPath ? ` (old content kept in ${r.backupPath})` : ''}.`);
    }
  }
  for (const c of draft.commands) {
    const r = await ctx.target.exec(c.argv, { elevate: c.elevated, timeoutMs: c.timeoutMs ?? 5 * 60_000 });
    if (r.code !== 0 && !c.optional) {
      const out = (r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n');
      throw new HardenLabError('REMOTE_COMMAND_FAILED', `\`${c.argv.join(' ')}\` failed (exit ${r.code ?? r.signal}): ${out}`);
    }
    ctx.log(`${r.code === 0 ? 'Ran' : 'Tried (optional, failed)'}: ${c.argv.join(' ')}`);
  }
}
