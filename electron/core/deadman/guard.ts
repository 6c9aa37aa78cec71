import { classifyCommand, restartArgv } from '../commands/classify';

/**
 * Which changes the in-guest dead-man's switch can take back, decided from
 * the plan alone: file edits (restored from the plan's "before"), checks that
 * change nothing (`sshd -t`), and service reloads or restarts (restarted again
 * once the files are back). Anything else (packages, a reboot, `sysctl -p`,
 * a module load) leaves state that putting files back does not undo, so a
 * profile without a snapshot refuses it instead of pretending.
 */
export interface GuardFile {
  path: string;
  /** The content before the change; null when the change creates the file. */
  before: string | null;
  mode?: string;
}

export interface Guard {
  files: GuardFile[];
  /** Run after the files are back: the services the change reloaded, restarted with their old files. */
  restart: string[][];
  /** Their names, for the plan's words. */
  services: string[];
}

export type GuardDecision = { ok: true; guard: Guard } | { ok: false; reason: string };

export interface GuardedPart {
  step: string;
  files: ReadonlyArray<{ path: string; before: string | null; mode?: string }>;
  commands: ReadonlyArray<{ argv: readonly string[] }>;
  packages: { install: readonly string[]; remove: readonly string[] };
  rebootRequired: boolean;
}

export function guardFor(parts: readonly GuardedPart[]): GuardDecision {
  const files = new Map<string, GuardFile>();
  const restart: string[][] = [];
  const services: string[] = [];
  for (const p of parts) {
    if (p.rebootRequired) return { ok: false, reason: `"${p.step}" reboots the VM, and a reboot is not undone by putting files back.` };
    const pkgs = [...p.packages.install, ...p.packages.remove];
    if (pkgs.length) return { ok: false, reason: `"${p.step}" installs or removes packages (${pkgs.slice(0, 4).join(', ')}), which putting files back does not undo.` };
    for (const c of p.commands) {
      const k = classifyCommand(c.argv);
      if (k.kind === 'validate-sshd') continue;
      if (k.kind !== 'service') return { ok: false, reason: `"${p.step}" runs \`${c.argv.join(' ').slice(0, 80)}\`, whose effect putting files back does not undo.` };
      // The service may have died with the bad change: the restart starts it again.
      const again = restartArgv(k);
      if (!restart.some((r) => r.join('\0') === again.join('\0'))) {
        restart.push(again);
        services.push(k.name);
      }
    }
    // The first part that touches a file knows what it was before the whole change.
    for (const f of p.files) if (!files.has(f.path)) files.set(f.path, { path: f.path, before: f.before, ...(f.mode ? { mode: f.mode } : {}) });
  }
  if (files.size === 0) return { ok: false, reason: 'The change writes no file, so there is nothing for the switch to put back.' };
  return { ok: true, guard: { files: [...files.values()], restart, services } };
}
