import { lazy, Suspense, useRef, type KeyboardEvent } from 'react';
import { Icon } from '../components/Icon';
import { useApp } from '../store';

// xterm.js is most of the bundle and only needed once a terminal opens: load it then.
const TerminalPane = lazy(() => import('./TerminalPane').then((m) => ({ default: m.TerminalPane })));

/**
 * Terminal tabs, docked in the window. The dock stays mounted while other
 * views are shown (hidden, not unmounted), so shells keep running and their
 * scrollback survives a trip to another view.
 */
export function TerminalDock({ visible }: { visible: boolean }) {
  const tabs = useApp((s) => s.terminals);
  const active = useApp((s) => s.activeTerminal);
  const setActive = useApp((s) => s.setActiveTerminal);
  const newTab = useApp((s) => s.newTerminalTab);
  const closeTab = useApp((s) => s.closeTerminalTab);
  const profile = useApp((s) => s.activeProfile);
  const connState = useApp((s) => (s.activeProfile ? (s.connections[s.activeProfile]?.state ?? 'disconnected') : 'disconnected'));
  const connect = useApp((s) => s.connect);
  const tabRefs = useRef(new Map<string, HTMLButtonElement>());

  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>, idx: number) => {
    let next = -1;
    if (e.key === 'ArrowRight') next = (idx + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') next = (idx - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabs.length - 1;
    else if (e.key === 'Delete') {
      e.preventDefault();
      void closeTab(tabs[idx]!.key);
      return;
    }
    if (next < 0) return;
    e.preventDefault();
    const key = tabs[next]!.key;
    setActive(key);
    tabRefs.current.get(key)?.focus();
  };

  if (!visible && tabs.length === 0) return null;

  return (
    <section className="view view-full terminal-dock" hidden={!visible} aria-label="Terminals">
      <header className="view-header with-actions compact-header">
        <div>
          <h1>Terminal</h1>
          <p className="lead small">
            Shells on the VM over the same SSH connection. <kbd>Ctrl+Shift+C</kbd> copy, <kbd>Ctrl+Shift+V</kbd> paste, <kbd>Ctrl+Shift+F</kbd> search.
          </p>
        </div>
        <button type="button" className="primary" onClick={() => profile && newTab(profile)} disabled={!profile}>
          <Icon name="plus" /> New terminal
        </button>
      </header>

      {tabs.length === 0 ? (
        <div className="panel empty-state">
          {profile ? (
            <>
              <p>Open a shell on {profile} to look around while you harden it.</p>
              {connState !== 'connected' && (
                <p className="muted">
                  The VM is not connected.{' '}
                  <button type="button" className="linkish" onClick={() => void connect(profile)}>
                    Connect
                  </button>
                </p>
              )}
              <button type="button" className="primary" onClick={() => newTab(profile)}>
                Open a terminal on {profile}
              </button>
            </>
          ) : (
            <p>Set up a VM first; its shells open here.</p>
          )}
        </div>
      ) : (
        <div className="terminal-frame">
          <div className="terminal-tabs" role="tablist" aria-label="Terminal tabs">
            {tabs.map((t, i) => (
              <div key={t.key} className={`terminal-tab${t.key === active ? ' active' : ''}${t.status === 'exited' || t.status === 'failed' ? ' closed' : ''}`}>
                <button
                  ref={(el) => {
                    if (el) tabRefs.current.set(t.key, el);
                    else tabRefs.current.delete(t.key);
                  }}
                  type="button"
                  role="tab"
                  id={`tt-${t.key}`}
                  aria-selected={t.key === active}
                  aria-controls={`tp-${t.key}`}
                  tabIndex={t.key === active ? 0 : -1}
                  onClick={() => setActive(t.key)}
                  onKeyDown={(e) => onTabKey(e, i)}
                >
                  <Icon name="terminal" /> {t.title}
                  {t.status === 'exited' && <span className="sr-only"> (closed)</span>}
                </button>
                <button type="button" className="ghost tab-close" onClick={() => void closeTab(t.key)} aria-label={`Close terminal ${t.title}`} tabIndex={t.key === active ? 0 : -1}>
                  ×
                </button>
              </div>
            ))}
          </div>
          {tabs.map((t) => (
            <div key={t.key} id={`tp-${t.key}`} role="tabpanel" aria-labelledby={`tt-${t.key}`} className="terminal-panel" hidden={t.key !== active}>
              <Suspense fallback={<div className="terminal-banner subtle">Loading the terminal…</div>}>
                <TerminalPane key={`${t.key}-${t.generation}`} tab={t} visible={visible && t.key === active} />
              </Suspense>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
