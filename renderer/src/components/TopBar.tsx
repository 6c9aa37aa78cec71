import { useEffect } from 'react';
import { appStore, useApp } from '../store';
import { NAV_SHORTCUTS } from './Sidebar';

export function TopBar() {
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  const profiles = useApp((s) => s.profiles);
  const active = useApp((s) => s.activeProfile);
  const selectProfile = useApp((s) => s.selectProfile);
  const info = useApp((s) => s.info);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const item = NAV_SHORTCUTS.find((i) => i.key === e.key);
      if (item) {
        e.preventDefault();
        appStore.getState().setView(item.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

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
      </div>
      <div className="topbar-actions">
        <button type="button" className="ghost" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
      </div>
    </header>
  );
}
