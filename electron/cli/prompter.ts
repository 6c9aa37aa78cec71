import { createInterface } from 'node:readline/promises';
import type { HostKeyAnswer, HostKeyPrompter } from '../core/ssh/host-key-verifier';
import type { CliIO } from './io';

/**
 * Host-key questions on the command line. On a terminal the user answers;
 * without one (scripts, CI) an unknown key is refused unless its exact
 * fingerprint was given with --trust-host-key, which then remembers it.
 */
export function cliPrompter(io: CliIO, trusted: string | undefined, interactive: boolean): HostKeyPrompter {
  return async (req, { signal }): Promise<HostKeyAnswer> => {
    io.err(`\nThe host key of ${req.host}:${req.port} is not known yet.\n  ${req.keyType} ${req.fingerprint}\n`);
    if (trusted !== undefined) {
      if (trusted === req.fingerprint) {
        io.err('It matches --trust-host-key: remembered.\n');
        return 'trust-remember';
      }
      io.err(`It does not match --trust-host-key (${trusted}): refused.\n`);
      return 'cancel';
    }
    if (!interactive) {
      io.err('No terminal to ask on: refused. Check the fingerprint on the VM (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pass it with --trust-host-key.\n');
      return 'cancel';
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = (await rl.question('Trust it [o]nce, trust and [r]emember, or [c]ancel? ', { signal })).trim().toLowerCase();
      return answer === 'o' || answer === 'once' ? 'trust-once' : answer === 'r' || answer === 'remember' ? 'trust-remember' : 'cancel';
    } catch {
      return 'cancel';
    } finally {
      rl.close();
    }
  };
}
