import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import { call } from '../api/client';
import { ErrorBox } from '../components/ErrorBox';
import { Icon } from '../components/Icon';
import { isRevertShortcut, isTerminalChord } from '../components/shortcuts';
import { throttle } from '../lib/throttle';
import { createWriteQueue, type WriteQueue } from '../lib/writeQueue';
import { appStore, useApp, type TerminalTab } from '../store';
import { installSpanStyleShim } from './cspStyleShim';
import { terminalRouter } from './router';
import { XTERM_THEMES } from './xtermTheme';

/**
 * Resizes are throttled (one every 120 ms, the last one always sent): dragging
 * a window edge fires dozens of size changes a second, each becomes an SSH
 * window-change request, and every one makes full-screen programs (vim, top)
 * redraw the whole screen into the channel. Sending them all would flood the
 * connection with redraws that are obsolete before they arrive.
 */
const RESIZE_THROTTLE_MS = 120;

installSpanStyleShim();

function openLink(uri: string): void {
  // Only web links; Electron turns window.open into the system browser, browser mode opens a tab.
  if (/^https?:\/\//i.test(uri)) window.open(uri, '_blank', 'noopener,noreferrer');
}

async function copyText(text: string): Promise<void> {
  if (!text) return;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No async clipboard here: fall back to the copy command, which xterm answers with its selection.
    document.execCommand('copy');
  }
}

/** One shell: an xterm.js instance bound to one terminalId for its whole life (Reconnect mounts a new pane). */
export function TerminalPane({ tab, visible }: { tab: TerminalTab; visible: boolean }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const searchRef = useRef<SearchAddon | null>(null);
  const visibleRef = useRef(visible);
  visibleRef.current = visible;
  const theme = useApp((s) => s.theme);
  const openSession = useApp((s) => s.openTerminalSession);
  const reconnect = useApp((s) => s.reconnectTerminal);
  const [searchOpen, setSearchOpen] = useState(false);

  useEffect(() => {
    const host = hostRef.current!;
    const term = new Terminal({
      cursorBlink: true,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', 'Cascadia Mono', Menlo, Consolas, monospace",
      fontSize: 13,
      scrollback: 5000,
      theme: XTERM_THEMES[appStore.getState().theme],
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new WebLinksAddon((_e, uri) => openLink(uri)));
    term.open(host);
    termRef.current = term;
    fitRef.current = fit;
    searchRef.current = search;

    let disposed = false;
    let terminalId: string | null = null;
    let detach: () => void = () => undefined;
    let writer: WriteQueue | null = null;

    term.attachCustomKeyEventHandler((e) => {
      // App chords never reach the shell; act on keydown only (xterm also asks for keypress/keyup).
      if (isRevertShortcut(e)) return false; // bubbles to the window: the Revert dialog opens
      if (isTerminalChord(e, 'c')) {
        if (e.type === 'keydown') {
          e.preventDefault();
          void copyText(term.getSelection());
        }
        return false;
      }
      // Ctrl+Shift+V: left to the browser, whose paste (as plain text) xterm receives as a paste event.
      if (isTerminalChord(e, 'v')) return false;
      if (isTerminalChord(e, 'f')) {
        if (e.type === 'keydown') {
          e.preventDefault();
          setSearchOpen(true);
        }
        return false;
      }
      return true;
    });

    const sendResize = throttle((cols: number, rows: number) => {
      if (terminalId) void call('terminal.resize', { terminalId, cols, rows }).catch(() => undefined);
    }, RESIZE_THROTTLE_MS);
    term.onResize(({ cols, rows }) => sendResize(cols, rows));
    term.onData((data) => writer?.push(data));

    const safeFit = () => {
      if (!visibleRef.current || host.clientWidth === 0) return;
      try {
        fit.fit();
      } catch {
        /* not laid out yet */
      }
    };
    safeFit();
    const ro = new ResizeObserver(() => safeFit());
    ro.observe(host);

    void openSession(tab.key, Math.max(2, term.cols), Math.max(1, term.rows)).then((id) => {
      if (!id) return;
      if (disposed) {
        terminalRouter.drop(id);
        return;
      }
      terminalId = id;
      // Flow control (tabby's way): the core pauses the shell channel when too
      // much output is unacknowledged; acknowledge what xterm has actually
      // drawn, from its write callback, in batches to keep the chatter low.
      let unacked = 0;
      let ackTimer: ReturnType<typeof setTimeout> | null = null;
      const flushAck = () => {
        ackTimer = null;
        if (unacked === 0 || disposed) return;
        const chars = unacked;
        unacked = 0;
        void call('terminal.ack', { terminalId: id, chars }).catch(() => undefined);
      };
      detach = terminalRouter.attach(id, (data) =>
        term.write(data, () => {
          unacked += data.length;
          if (unacked >= 16 * 1024) flushAck();
          else ackTimer ??= setTimeout(flushAck, 40);
        }),
      );
      writer = createWriteQueue((data) => call('terminal.write', { terminalId: id, data }).then(() => undefined));
      // The window may have changed size while the shell was opening.
      sendResize(term.cols, term.rows);
      if (visibleRef.current) term.focus();
    });

    return () => {
      disposed = true;
      ro.disconnect();
      sendResize.cancel();
      detach();
      writer?.dispose();
      term.dispose();
      termRef.current = null;
    };
    // One terminal per mount: the tab key and generation are fixed for the pane's life.
  }, []);

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = XTERM_THEMES[theme];
  }, [theme]);

  useEffect(() => {
    if (!visible) return;
    const t = setTimeout(() => {
      try {
        fitRef.current?.fit();
      } catch {
        /* hidden */
      }
      termRef.current?.focus();
    }, 0);
    return () => clearTimeout(t);
  }, [visible]);

  useEffect(() => {
    if (tab.status === 'exited') termRef.current?.write(`\r\n\x1b[2m[connection closed: ${tab.reason ?? 'unknown reason'}]\x1b[0m\r\n`);
  }, [tab.status]);

  return (
    <div className="terminal-pane">
      {searchOpen && (
        <TerminalSearch
          search={searchRef.current}
          onClose={() => {
            setSearchOpen(false);
            searchRef.current?.clearDecorations();
            termRef.current?.focus();
          }}
        />
      )}
      {tab.status === 'exited' && (
        <div className="terminal-banner" role="status">
          <Icon name="info" />
          <span>Connection closed: {tab.reason ?? 'unknown reason'}</span>
          <button type="button" className="primary small" onClick={() => reconnect(tab.key)}>
            Reconnect
          </button>
        </div>
      )}
      {tab.status === 'failed' && tab.error && (
        <div className="terminal-banner failed">
          <ErrorBox error={tab.error} title="The shell could not be opened" compact>
            <button type="button" className="small" onClick={() => reconnect(tab.key)}>
              Try again
            </button>
          </ErrorBox>
        </div>
      )}
      {tab.status === 'opening' && (
        <div className="terminal-banner subtle" role="status">
          Opening a shell on {tab.profile}…
        </div>
      )}
      <div ref={hostRef} className="terminal-host" aria-label={`Terminal ${tab.title}`} />
    </div>
  );
}

function TerminalSearch({ search, onClose }: { search: SearchAddon | null; onClose: () => void }) {
  const [term, setTerm] = useState('');
  const [miss, setMiss] = useState(false);
  const find = (back: boolean) => {
    if (!search || !term) return;
    const found = back ? search.findPrevious(term) : search.findNext(term);
    setMiss(!found);
  };
  const onKey = (e: ReactKeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      find(e.shiftKey);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  };
  return (
    <div className="terminal-search" role="search">
      <Icon name="search" />
      <input
        type="text"
        aria-label="Search the terminal"
        placeholder="Search output"
        value={term}
        onChange={(e) => {
          setTerm(e.target.value);
          setMiss(false);
        }}
        onKeyDown={onKey}
        autoFocus
      />
      <button type="button" className="small" onClick={() => find(true)} aria-label="Previous match">
        ↑
      </button>
      <button type="button" className="small" onClick={() => find(false)} aria-label="Next match">
        ↓
      </button>
      <span className="small muted" aria-live="polite">
        {miss ? 'No match' : ''}
      </span>
      <button type="button" className="ghost small" onClick={onClose} aria-label="Close search">
        ×
      </button>
    </div>
  );
}
