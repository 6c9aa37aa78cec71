import type { EventListener } from '../../../shared/bridge';
import type { TerminalRouter } from '../terminal/router';
import type { AppStore } from './index';

/**
 * Wires the core's events into the store (and terminal output into the
 * terminal router). Used by main.tsx and by the store tests with a scripted
 * bridge, so both run the same code.
 */
export function wireEvents(on: EventListener, store: AppStore, terminals: TerminalRouter): () => void {
  const s = () => store.getState();
  const offs = [
    on('progress', (e) => s().addProgress(e)),
    on('hostKey.prompt', (p) => s().pushHostKeyPrompt(p)),
    on('hostKey.resolved', (r) => s().dropHostKeyPrompt(r.promptId)),
    on('connection.state', (e) => s().applyConnectionEvent(e)),
    on('terminal.data', (e) => terminals.deliver(e)),
    on('terminal.exit', (e) => s().terminalExited(e.terminalId, e.reason)),
    on('fleet.host', (e) => s().noteFleetHost(e.opId, e.host)),
    on('journal.changed', (e) => {
      if (s().journals[e.profile]) void s().loadJournal(e.profile);
    }),
  ];
  return () => offs.forEach((off) => off());
}
