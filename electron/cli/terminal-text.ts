/**
 * Text from a VM (a canary's output, an error that quotes a command's
 * stderr) reaches the operator's terminal. Escape sequences in it could
 * move the cursor, rewrite what was printed, set the window title or
 * smuggle clipboard writes (OSC 52): they are removed, and every other
 * control character but newline and tab is dropped. JSON output needs none
 * of this: JSON.stringify escapes control characters itself.
 */
/* eslint-disable no-control-regex */
const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g;
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]?/g;
const OTHER_ESC = /\x1b[ -/]*[0-~]?/g;
const C1_CSI = /\x9b[0-?]*[ -/]*[@-~]?/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/* eslint-enable no-control-regex */

export function terminalSafe(text: string): string {
  return text.replace(OSC, '').replace(CSI, '').replace(C1_CSI, '').replace(OTHER_ESC, '').replace(/\r\n/g, '\n').replace(CONTROL, '');
}
