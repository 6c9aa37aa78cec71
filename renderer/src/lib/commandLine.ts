import { shellJoin } from '../../../shared/quote';

/** A command as a person would type it: argv joined by spaces, quoted only where the shell needs it. */
export function commandLine(argv: readonly string[]): string {
  try {
    return shellJoin(argv);
  } catch {
    return argv.join(' ');
  }
}
