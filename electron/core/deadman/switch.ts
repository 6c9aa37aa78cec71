import type { Target } from '../engine/target';
import { mustExec } from '../engine/target';
import type { Guard } from './guard';
import { armArgv, DETECT_MANAGER, disarmArgv, fireArgv, layoutOf, parseRestored, removeArgv, restoreFilesOf, restoreScript, sleeperScript, type Manager, type SwitchLayout } from './script';

/** An armed switch: where it lives on the guest, how it fires, and when (this machine's clock). */
export interface ArmedSwitch {
  layout: SwitchLayout;
  manager: Manager;
  deadlineS: number;
  armedAt: string;
  /** ms since the epoch on this machine: the guest's timer counts from the arm, not from its clock. */
  firesAt: number;
}

/** Writes the backups and the restore script as root (0700, files 0600), then starts the timer or the sleeper. */
export async function armSwitch(target: Target, id: string, guard: Guard, o: { deadlineS: number; now: Date }): Promise<ArmedSwitch> {
  const layout = layoutOf(id);
  const manager: Manager = (await mustExec(target, DETECT_MANAGER, {}, 'Looking for systemd')).stdout.trim() === 'systemd' ? 'systemd' : 'sleeper';
  const armedAt = o.now.toISOString();
  await mustExec(target, ['install', '-d', '-m', '0700', layout.dir, `${layout.dir}/files`], { elevate: true }, `Creating ${layout.dir}`);
  for (const [i, f] of guard.files.entries()) {
    if (f.before !== null) await target.writeFile(layout.backup(i), f.before, { elevate: true, mode: '0600', backup: false });
  }
  await target.writeFile(layout.script, restoreScript(layout, restoreFilesOf(guard), guard.restart, { deadlineS: o.deadlineS, armedAt }), { elevate: true, mode: '0700', backup: false });
  if (manager === 'sleeper') await target.writeFile(layout.sleeper, sleeperScript(layout, o.deadlineS), { elevate: true, mode: '0700', backup: false });
  await mustExec(target, armArgv(layout, manager, o.deadlineS), { elevate: true, timeoutMs: 30_000 }, 'Arming the dead-man switch');
  return { layout, manager, deadlineS: o.deadlineS, armedAt, firesAt: Date.now() + o.deadlineS * 1000 };
}

/** 'disarmed': it will never fire. 'fired': it had already started restoring (the change is being undone). */
export async function disarmSwitch(target: Target, s: ArmedSwitch): Promise<'disarmed' | 'fired'> {
  const r = await target.exec(disarmArgv(s.layout, s.manager), { elevate: true, timeoutMs: 30_000 });
  if (r.code === 0) return 'disarmed';
  if (r.code === 3) return 'fired';
  return mustExec(target, disarmArgv(s.layout, s.manager), { elevate: true, timeoutMs: 30_000 }, 'Disarming the dead-man switch').then(() => 'disarmed' as const);
}

/** Fires it now, detached: the change failed while the guest can still be reached. */
export async function fireSwitch(target: Target, s: ArmedSwitch): Promise<void> {
  await mustExec(target, fireArgv(s.layout, s.manager), { elevate: true, timeoutMs: 20_000 }, 'Firing the dead-man switch');
}

export async function readRestored(target: Target, s: ArmedSwitch): Promise<ReturnType<typeof parseRestored>> {
  return parseRestored(await target.readFile(`${s.layout.dir}/restored`, { elevate: true }));
}

/** Removes a switch that fired, once its work is proved. */
export async function removeSwitch(target: Target, s: ArmedSwitch): Promise<void> {
  await target.exec(removeArgv(s.layout, s.manager), { elevate: true, timeoutMs: 20_000 });
}
