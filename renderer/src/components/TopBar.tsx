import { useApp } from '../store';
import { ConnectionControl } from './ConnectionControl';
import { Icon } from './Icon';
import { REVERT_SHORTCUT_LABEL } from './shortcuts';

export function TopBar() {
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  const profiles = useApp((s) => s.profiles);
  const active = useApp((s) => s.activeProfile);
  const selectProfile = useApp((s) => s.selectProfile);
  const info = useApp((s) => s.info);
  const openRevert = useApp((s) => s.openRevertDialog);

  return (
    <header className="topbar">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>
        <span className="brand-name">Harden Lab</span>
        {info && <span className="brand-version">v{info.version}</span>}
      </div>
      <div className="topbar-center">
        <label className="profile-picker">
          <span>VM</span>
          <select value={active ?? ''} onChange={(e) => selectProfile(e.target.value || null)} disabled={profiles.length === 0} aria-label="Active connection profile">
            {profiles.length === 0 && <option value="">No connection yet</option>}
            {profiles.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({p.user}@{p.host}:{p.port})
              </option>
            ))}
          </select>
        </label>
        <ConnectionControl />
      </div>
      <div className="topbar-actions">
        <button type="button" className="revert-button" onClick={() => openRevert(null)} title={`Revert the VM to a snapshot (${REVERT_SHORTCUT_LABEL})`} aria-keyshortcuts="Control+Shift+Z">
          <Icon name="undo" /> Revert…
        </button>
        <button type="button" className="ghost" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
      </div>
    </header>
  );
}
