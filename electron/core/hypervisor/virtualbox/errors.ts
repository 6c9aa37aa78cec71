import { HardenLabError } from '../../errors';
import { parseVBoxError } from './parse';

/**
 * Turns a failed VBoxManage run into a HardenLabError a person can act on.
 * Decision, in this order:
 *   1. VBOX_E_OBJECT_NOT_FOUND (or its English text): a FindSnapshot context
 *      or "Could not find a snapshot" means SNAPSHOT_NOT_FOUND, anything else
 *      (FindMachine, "registered machine") VM_NOT_FOUND.
 *   2. VBOX_E_INVALID_VM_STATE, VBOX_E_INVALID_OBJECT_STATE, "is not currently
 *      running", "already locked": VM_WRONG_STATE, with a hint that depends
 *      on which of them it was.
 *   3. "Kernel driver not installed" / vboxdrv: DRIVER_FAILED with the fix.
 *   4. Anything else: DRIVER_FAILED with VirtualBox's own first message.
 * The codes are matched before the text because VBoxManage translates its
 * messages but never the codes.
 */
export interface FailedRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface OperationLabels {
  /** What we were doing, as a verb phrase: `restore snapshot "x" of VM "y"`. */
  action: string;
  vm?: string;
  snapshot?: string;
}

const DETAIL_LIMIT = 4000;

function detailOf(run: FailedRun): string {
  const text = [run.stderr.trim(), run.stdout.trim()].filter(Boolean).join('\n');
  return text.length > DETAIL_LIMIT ? text.slice(0, DETAIL_LIMIT) + '\n…' : text;
}

function quoted(s: string | undefined): string {
  return s === undefined ? '' : ` "${s}"`;
}

export function classifyVBoxFailure(op: OperationLabels, run: FailedRun): HardenLabError {
  const report = parseVBoxError(run.stderr);
  const text = report.messages.join(' ');
  const detail = detailOf(run);
  const first = report.messages[0];

  const notFound = report.code === 'VBOX_E_OBJECT_NOT_FOUND' || /could not find a (?:registered machine|snapshot)/i.test(text);
  if (notFound) {
    const aboutSnapshot = /FindSnapshot/.test(report.context ?? '') || /could not find a snapshot/i.test(text);
    if (aboutSnapshot) {
      return new HardenLabError('SNAPSHOT_NOT_FOUND', `VM${quoted(op.vm)} has no snapshot${quoted(op.snapshot)}.`, {
        hint: 'List the snapshots again: it may have been deleted or renamed in VirtualBox meanwhile.',
        detail,
      });
    }
    return new HardenLabError('VM_NOT_FOUND', `VirtualBox has no VM${quoted(op.vm)}.`, {
      hint: 'List the VMs again (`hardenlab vm list`). VirtualBox only shows the VMs registered by the user Harden Lab runs as.',
      detail,
    });
  }

  const locked = report.code === 'VBOX_E_INVALID_OBJECT_STATE' || /already locked/i.test(text);
  const wrongState = report.code === 'VBOX_E_INVALID_VM_STATE' || /is not currently running|machine state:/i.test(text);
  if (locked || wrongState) {
    const hint = locked
      ? 'Another VirtualBox program holds this VM (the VirtualBox window, a second VBoxManage, a backup tool). Close it or wait for it to finish, then try again.'
      : /running machine/i.test(text)
        ? 'The VM was running. Harden Lab powers it off before a restore, so another program probably started it again: stop that program and retry.'
        : 'Check the VM state in VirtualBox (it may be starting, stopping or saving) and try again when it has settled.';
    return new HardenLabError('VM_WRONG_STATE', `VirtualBox refused to ${op.action}: ${first ?? 'the VM is in the wrong state'}.`, {
      hint,
      detail,
    });
  }

  if (/kernel driver not installed|vboxdrv/i.test(`${text}\n${run.stdout}\n${run.stderr}`)) {
    return new HardenLabError('DRIVER_FAILED', `VirtualBox could not ${op.action}: its kernel driver is not loaded.`, {
      hint: 'Load it as root with `/sbin/vboxconfig` (Linux; Secure Boot needs the modules signed), then try again.',
      detail,
    });
  }

  const why = first ?? (run.code === null ? 'VBoxManage was killed' : `VBoxManage exited with status ${run.code}`);
  return new HardenLabError('DRIVER_FAILED', `VirtualBox could not ${op.action}: ${why}${report.code ? ` (${report.code})` : ''}.`, {
    hint: 'The detail below is what VBoxManage printed; the VM log in VirtualBox often says more.',
    detail,
  });
}
