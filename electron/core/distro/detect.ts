import { HardenLabError } from '../errors';
import { alpineAdapter } from './alpine';
import { debianAdapter } from './debian';
import { parseOsRelease } from './os-release';
import type { DistroAdapter } from './types';

/** Picks the adapter from /etc/os-release: by ID, then by ID_LIKE. */
export function adapterFor(osReleaseText: string): DistroAdapter {
  const os = parseOsRelease(osReleaseText);
  const ids = [os.id, ...os.idLike];
  if (ids.includes('alpine')) return alpineAdapter(os);
  if (ids.includes('debian') || ids.includes('ubuntu')) return debianAdapter(os);
  throw new HardenLabError('NOT_IMPLEMENTED', `${os.prettyName} is not supported yet.`, {
    hint: 'Harden Lab supports Alpine, Debian and Ubuntu VMs.',
  });
}
