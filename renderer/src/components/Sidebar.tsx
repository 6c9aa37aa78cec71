import { useApp, type ViewId } from '../store';

const ITEMS: Array<{ id: ViewId; label: string; key: string }> = [
  { id: 'dashboard', label: 'Dashboard', key: '1' },
  { id: 'walkthrough', label: 'Walkthrough', key: '2' },
  { id: 'steps', label: 'Steps', key: '3' },
  { id: 'snapshots', label: 'Snapshots', key: '4' },
  { id: 'journal', label: 'Journal', key: '5' },
  { id: 'terminal', label: 'Terminal', key: '6' },
  { id: 'connections', label: 'Connections', key: '7' },
  { id: 'system', label: 'System check', key: '8' },
];

export function Sidebar() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  return (
    <nav className="sidebar" aria-label="Main">
      <ul>
        {ITEMS.map((item) => (
          <li key={item.id}>
            <button
              type="button"
              className={view === item.id ? 'nav-item active' : 'nav-item'}
              aria-current={view === item.id ? 'page' : undefined}
              onClick={() => setView(item.id)}
              title={`${item.label} (Alt+${item.key})`}
            >
              <span>{item.label}</span>
              <kbd aria-hidden="true">Alt+{item.key}</kbd>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export const NAV_SHORTCUTS = ITEMS;
