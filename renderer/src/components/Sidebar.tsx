import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { NAV_ITEMS } from './shortcuts';

export function Sidebar() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const setShortcutsOpen = useApp((s) => s.setShortcutsOpen);
  const badges = useApp(
    useShallow((s) => {
      const p = s.activeProfile;
      return {
        journal: p ? (s.journals[p]?.data?.open.length ?? 0) : 0,
        terminal: s.terminals.length,
      };
    }),
  );
  return (
    <nav className="sidebar" aria-label="Main">
      <ul>
        {NAV_ITEMS.map((item) => {
          const badge = item.id === 'journal' ? badges.journal : item.id === 'terminal' ? badges.terminal : 0;
          return (
            <li key={item.id}>
              <button
                type="button"
                className={view === item.id ? 'nav-item active' : 'nav-item'}
                aria-current={view === item.id ? 'page' : undefined}
                onClick={() => setView(item.id)}
                title={`${item.label} (Alt+${item.key})`}
              >
                <span>{item.label}</span>
                <span className="nav-meta">
                  {badge > 0 && (
                    <span className={`nav-badge${item.id === 'journal' ? ' warn' : ''}`} aria-label={item.id === 'journal' ? `${badge} open` : `${badge} open tabs`}>
                      {badge}
                    </span>
                  )}
                  <kbd aria-hidden="true">Alt+{item.key}</kbd>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      <div className="sidebar-foot">
        <button type="button" className="ghost small" onClick={() => setShortcutsOpen(true)}>
          Keyboard shortcuts <kbd aria-hidden="true">?</kbd>
        </button>
      </div>
    </nav>
  );
}
