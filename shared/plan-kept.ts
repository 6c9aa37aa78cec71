/**
 * Apply refusals after which the engine still holds the plan, so the same
 * plan can be applied again: each is raised before anything changed on the
 * VM. A busy VM (another change holds the profile's lock: apply once it is
 * free), a risk that needs confirming, no snapshot to go back to (link the
 * VM, then apply). Any other failure means the VM may have moved on, and the
 * plan must be made again. The engine and the UI both read this one list.
 */
const KEPT: ReadonlySet<string> = new Set(['VM_WRONG_STATE', 'CONFIRMATION_REQUIRED', 'NO_WAY_BACK']);

export function planKeptAfter(code: string | undefined): boolean {
  return code !== undefined && KEPT.has(code);
}
