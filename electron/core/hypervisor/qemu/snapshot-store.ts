import { readFile } from 'node:fs/promises';
import { HardenLabError } from '../../errors';
import { writeJsonAtomic } from './instance/instance-store';
import { emptyMeta, SnapshotMetaSchema, type SnapshotMeta } from './snapshot-meta';

/** snapshots.json beside the disk, replaced atomically on every change. */
export async function readSnapshotMeta(file: string): Promise<SnapshotMeta> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyMeta();
    throw e;
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    throw new HardenLabError('INTERNAL', `${file} is not valid JSON.`, {
      hint: 'Remove it: the snapshots in the disk are found again, with their tags as names and without their tree.',
      cause: e,
    });
  }
  const parsed = SnapshotMetaSchema.safeParse(data);
  if (!parsed.success) {
    throw new HardenLabError('INTERNAL', `${file} is not snapshot metadata this version understands.`, {
      hint: 'Remove it: the snapshots in the disk are found again, with their tags as names and without their tree.',
    });
  }
  return parsed.data;
}

export async function writeSnapshotMeta(file: string, meta: SnapshotMeta): Promise<void> {
  await writeJsonAtomic(file, meta);
}
