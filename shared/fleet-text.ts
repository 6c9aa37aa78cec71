import type { FleetHost, FleetRun } from './fleet';

/** One host's row in words: what the CLI prints live and the report's table says. */
export function hostLine(h: FleetHost): string {
  const batch = h.batch === null ? '' : ` (batch ${h.batch})`;
  const proofs = h.proofs.held + h.proofs.failed.length > 0 ? `, proofs ${h.proofs.held} held${h.proofs.failed.length ? `, ${h.proofs.failed.length} FAILED: ${h.proofs.failed.join('; ')}` : ''}` : '';
  const why = h.failure && h.status !== 'changed' && h.status !== 'unchanged' ? `: ${h.failure.task ? `${h.failure.task}: ` : ''}${h.failure.message.split('\n')[0]!.slice(0, 200)}` : '';
  const restored = h.status === 'restored' ? `; the dead-man's switch put it back (${h.restored ?? '?'})` : '';
  return `${h.name}${batch}: ${h.status}, ${h.changed} changed${proofs}${why}${restored}`;
}

export function fleetSummary(r: FleetRun): string {
  const lines = [
    `${r.mode === 'plan' ? 'Plan (--check --diff)' : 'Rollout'} of ${r.experiments.join(', ')} from ${r.profile} on ${r.hosts.length} hosts of ${r.inventory}${r.limit ? ` (--limit ${r.limit})` : ''}: ${r.outcome}${r.stoppedAfterBatch ? `, stopped after batch ${r.stoppedAfterBatch}` : ''}.`,
  ];
  if (r.mode === 'rollout') lines.push(`Batches: ${r.planned.map((b, i) => `${i + 1}: ${b.join(', ')}`).join(' | ')}; dead-man's switch ${r.deadlineS} s.`);
  for (const h of r.hosts) {
    lines.push(`  ${hostLine(h)}`);
    if (r.mode === 'plan') for (const d of h.diffs) lines.push(d.diff.replace(/^/gm, '    ').trimEnd());
  }
  for (const n of r.notes) lines.push(`Note: ${n}`);
  lines.push(`Playbook, Ansible's events and this report: ${r.dir}`);
  return lines.join('\n');
}
