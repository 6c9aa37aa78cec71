import { randomBytes } from 'node:crypto';
import type { Profile } from '../../../../shared/profile';
import { HardenLabError } from '../../errors';
import type { ConnectionManager } from '../../ssh/manager';
import { openShell, type ShellSession } from '../../ssh/shell';
import type { EventBus } from '../../events';

/**
 * Terminal tabs: one PTY shell channel each on the profile's shared
 * connection. Output goes out as `terminal.data` events; the renderer calls
 * `terminal.ack` from xterm.js's write callback with what it has drawn, and
 * the shell session pauses the channel between its watermarks, so a flood of
 * output waits on the VM instead of piling up in memory (tabby's approach).
 */
const MAX_TERMINALS = 8;

export class Terminals {
  private readonly sessions = new Map<string, { session: ShellSession; profile: string }>();

  constructor(
    private readonly manager: ConnectionManager,
    private readonly events: EventBus,
  ) {}

  async open(profile: Profile, cols: number, rows: number): Promise<string> {
    if (this.sessions.size >= MAX_TERMINALS) throw new HardenLabError('BAD_INPUT', `At most ${MAX_TERMINALS} terminals can be open at once.`, { hint: 'Close a tab first.' });
    const conn = await this.manager.get(profile);
    const session = await openShell(conn, { cols, rows, term: 'xterm-256color' });
    const terminalId = `t-${randomBytes(6).toString('hex')}`;
    this.sessions.set(terminalId, { session, profile: profile.name });
    session.onData((data) => {
      this.events.emit('terminal.data', { terminalId, data });
    });
    session.onExit((exit) => {
      this.sessions.delete(terminalId);
      const reason = exit.reason === 'connection-lost' ? 'the SSH connection was lost' : exit.reason === 'closed' ? 'closed' : `the shell exited${exit.code !== null ? ` with status ${exit.code}` : ''}`;
      this.events.emit('terminal.exit', { terminalId, reason });
    });
    return terminalId;
  }

  private get(terminalId: string): ShellSession {
    const s = this.sessions.get(terminalId);
    if (!s) throw new HardenLabError('NOT_FOUND', 'That terminal is closed.', { hint: 'Open a new terminal tab.' });
    return s.session;
  }

  write(terminalId: string, data: string): void {
    this.get(terminalId).write(data);
  }

  resize(terminalId: string, cols: number, rows: number): void {
    this.get(terminalId).resize(cols, rows);
  }

  ack(terminalId: string, chars: number): void {
    this.sessions.get(terminalId)?.session.ack(chars);
  }

  close(terminalId: string): void {
    const s = this.sessions.get(terminalId);
    if (!s) return;
    s.session.close();
    this.sessions.delete(terminalId);
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }
}
