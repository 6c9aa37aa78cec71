import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { explainInvalidName } from '../../../../../shared/names';
import { writeFileAtomic } from '../../../atomic-file';
import { HardenLabError } from '../../../errors';
import { hardenlabHome } from '../../../paths';

/**
 * A lab instance is a directory under hardenlabHome()/labs/<name>/:
 *   instance.json      this record
 *   disk.qcow2         the VM's own disk (a copy of the cached image) with its internal snapshots
 *   snapshots.json     snapshot names, descriptions and parentage (QEMU keeps no tree)
 *   secrets/           host keys and authorized_keys handed to the guest through fw_cfg
 *   known_hosts        the recorded host key, for OpenSSH's -o UserKnownHostsFile
 *   console.log        the serial console of the current boot
 *   qemu.pid, qmp.sock while it runs
 */
const HostKeySchema = z.object({ type: z.string(), line: z.string(), fingerprint: z.string() });

export const InstanceRecordSchema = z.object({
  version: z.literal(1),
  name: z.string(),
  imageKey: z.string(),
  kernel: z.string().optional(),
  createdAt: z.string(),
  disk: z.string(),
  memoryMiB: z.number().int(),
  cpus: z.number().int(),
  /** The key the profile pins, and every host key the guest has. */
  hostKey: HostKeySchema,
  hostKeys: z.array(HostKeySchema),
  keyPath: z.string(),
  user: z.string(),
  /** Last port the SSH forward used; reused when free so the profile stays valid. */
  port: z.number().int().optional(),
  pid: z.number().int().optional(),
  qmpSocket: z.string().optional(),
  accel: z.enum(['kvm', 'tcg']).optional(),
  accelNote: z.string().optional(),
  bootedAt: z.string().optional(),
  /** Seconds from launching QEMU to a real SSH login, last boot. */
  bootSeconds: z.number().optional(),
  consoleLog: z.string(),
  /** Seconds the instance took to create (disk copy + keys). */
  createSeconds: z.number().optional(),
});
export type InstanceRecord = z.infer<typeof InstanceRecordSchema>;

export function labsDir(home: string = hardenlabHome()): string {
  return join(home, 'labs');
}

/** The known_hosts name of an instance's host keys, independent of its forwarded port (ssh -o HostKeyAlias). */
export function knownHostsAlias(name: string): string {
  return `hardenlab-${name}`;
}

export function assertLabName(name: string): void {
  const bad = explainInvalidName('profile', name);
  if (bad) throw new HardenLabError('BAD_INPUT', bad.replace('profile name', 'lab name'));
}

export interface InstancePaths {
  dir: string;
  record: string;
  disk: string;
  secrets: string;
  knownHosts: string;
  consoleLog: string;
  pidFile: string;
  snapshots: string;
  lock: string;
}

export function instancePaths(name: string, home: string = hardenlabHome()): InstancePaths {
  assertLabName(name);
  const dir = join(labsDir(home), name);
  return {
    dir,
    record: join(dir, 'instance.json'),
    disk: join(dir, 'disk.qcow2'),
    secrets: join(dir, 'secrets'),
    knownHosts: join(dir, 'known_hosts'),
    consoleLog: join(dir, 'console.log'),
    pidFile: join(dir, 'qemu.pid'),
    snapshots: join(dir, 'snapshots.json'),
    lock: join(dir, '.lock'),
  };
}

/** Writes JSON so that a crash leaves the old or the new file, never half of one. */
export async function writeJsonAtomic(file: string, data: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n', { mode });
}

export async function readInstance(name: string, home: string = hardenlabHome()): Promise<InstanceRecord | null> {
  const p = instancePaths(name, home);
  let raw: string;
  try {
    raw = await readFile(p.record, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    throw new HardenLabError('INTERNAL', `${p.record} is not valid JSON.`, { hint: `Destroy the lab (\`hardenlab lab destroy --name ${name} --yes\`) and bring it up again.`, cause: e });
  }
  const parsed = InstanceRecordSchema.safeParse(data);
  if (!parsed.success) {
    throw new HardenLabError('INTERNAL', `${p.record} does not describe a lab instance this version understands.`, {
      hint: `Destroy the lab (\`hardenlab lab destroy --name ${name} --yes\`) and bring it up again.`,
    });
  }
  return parsed.data;
}

export async function requireInstance(name: string, home: string = hardenlabHome()): Promise<InstanceRecord> {
  const rec = await readInstance(name, home);
  if (!rec) {
    throw new HardenLabError('VM_NOT_FOUND', `There is no lab VM named "${name}".`, { hint: `Create it with \`hardenlab lab up --name ${name}\`.` });
  }
  return rec;
}

export async function writeInstance(rec: InstanceRecord, home: string = hardenlabHome()): Promise<void> {
  const p = instancePaths(rec.name, home);
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  await writeJsonAtomic(p.record, rec);
}

export async function updateInstance(name: string, patch: Partial<InstanceRecord>, home: string = hardenlabHome()): Promise<InstanceRecord> {
  const cur = await requireInstance(name, home);
  const next = { ...cur, ...patch };
  for (const k of Object.keys(patch) as (keyof InstanceRecord)[]) if (patch[k] === undefined) delete next[k];
  await writeInstance(next, home);
  return next;
}

/** Names of every instance directory that holds a record. */
export async function listInstanceNames(home: string = hardenlabHome()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(labsDir(home));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names.sort()) {
    if (explainInvalidName('profile', n)) continue;
    try {
      await readFile(join(labsDir(home), n, 'instance.json'));
      out.push(n);
    } catch {
      /* a directory without a record is not an instance (yet) */
    }
  }
  return out;
}
