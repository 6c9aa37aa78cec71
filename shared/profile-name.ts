import { NAME_PATTERNS } from './names';

/** A valid profile name (names.ts `profile`) made from a VM name; used by VirtualBox discovery and the first-run screens. */
export function profileNameFor(vmName: string, fallback = 'virtualbox-vm'): string {
  const cleaned = vmName
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 40)
    .replace(/[^A-Za-z0-9]+$/, '');
  return NAME_PATTERNS.profile.test(cleaned) ? cleaned : fallback;
}

/** The first of base, base-2, base-3… not already taken. */
export function uniqueName(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; i < 1000; i++) {
    const candidate = `${base.slice(0, 36)}-${i}`;
    if (!taken.includes(candidate)) return candidate;
  }
  return base;
}
