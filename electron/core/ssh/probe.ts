import { randomBytes } from 'node:crypto';
import { shellJoin } from '../../../shared/quote';

/**
 * A probe gathers many read-only facts in ONE round trip: every command of
 * the batch runs inside one `sh -c` script on one channel, and its stdout
 * is framed by lines that carry a random per-batch token, so no command
 * output (even one printing our delimiter format) can forge a frame.
 *
 * Frame for command i (stdout of the command verbatim between the lines):
 *   <token> B <i>\n
 *   ...stdout...
 *   \n<token> E <i> <exit code>\n
 * The newline before the end line is ours: it is stripped on parsing, so an
 * output without a trailing newline comes back exactly as printed.
 */
export type ProbeCommands = Record<string, readonly string[]>;

export interface ProbeItemResult {
  code: number;
  stdout: string;
}

export type ProbeResults<K extends string = string> = Record<K, ProbeItemResult>;

const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

export function newProbeToken(): string {
  return `__HLPROBE_${randomBytes(12).toString('hex')}__`;
}

export function buildProbeScript(commands: ProbeCommands, token: string): string {
  const names = Object.keys(commands);
  if (names.length === 0) throw new Error('A probe needs at least one command.');
  const lines = [`t=${token}`];
  names.forEach((name, i) => {
    if (!NAME.test(name)) throw new Error(`Probe name ${JSON.stringify(name)} must be letters, digits, dot, dash, underscore or colon.`);
    const argv = commands[name]!;
    // Each command in its own subshell: an `exit` or `cd` in one cannot affect the next; stdin is closed
    // so nothing reads the rest of the batch; stderr is dropped to keep frames clean.
    lines.push(`printf '%s B ${i}\\n' "$t"`);
    lines.push(`( ${shellJoin(argv)} ) </dev/null 2>/dev/null`);
    lines.push(`printf '\\n%s E ${i} %s\\n' "$t" "$?"`);
  });
  return lines.join('\n') + '\n';
}

/**
 * Parses the framed output back into per-name results. A command whose
 * frame is missing (the script was cut short) gets code -1 and the output
 * seen so far, so one broken fact never hides the others.
 */
export function parseProbeOutput<K extends string>(names: readonly K[], token: string, output: string): ProbeResults<K> {
  const results = {} as ProbeResults<K>;
  let pos = 0;
  names.forEach((name, i) => {
    const begin = `${token} B ${i}\n`;
    const b = output.indexOf(begin, pos);
    if (b === -1) {
      results[name] = { code: -1, stdout: '' };
      return;
    }
    const start = b + begin.length;
    const endRe = new RegExp(`\\n${token} E ${i} (\\d+)\\n`, 'g');
    endRe.lastIndex = start;
    const m = endRe.exec(output);
    if (!m) {
      results[name] = { code: -1, stdout: output.slice(start) };
      pos = output.length;
      return;
    }
    results[name] = { code: Number(m[1]), stdout: output.slice(start, m.index) };
    pos = m.index + m[0].length;
  });
  return results;
}
