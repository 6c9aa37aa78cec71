/**
 * The one quoting function. Every command sent to a VM is an argv array that
 * is turned into a POSIX shell line here and nowhere else. Single quotes make
 * every byte literal; an embedded single quote becomes '\'' . NUL cannot be
 * passed in an argument at all, so it is refused.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('An argument contains a NUL byte, which no command can receive.');
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('An empty command cannot be run.');
  return argv.map(quoteArg).join(' ');
}
