import type { CommandContext } from '../context';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Sub-commands, for groups such as `lab` and `snapshot`. */
  subcommands?: Command[];
  run?(args: string[], ctx: CommandContext): Promise<number>;
}
