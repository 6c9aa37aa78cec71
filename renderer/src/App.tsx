import { useEffect, useRef } from 'react';
import { useApp, type ViewId } from './store';
import { Sidebar } from './components/Sidebar';
import { TopBar } from './components/TopBar';
import { Notices } from './components/Notices';
import { LiveStatus } from './components/LiveStatus';
import { HostKeyModal } from './components/HostKeyModal';
import { HostKeyChangedDialog } from './components/HostKeyChangedDialog';
import { SecretPrompt } from './components/SecretPrompt';
import { RevertDialog } from './components/RevertDialog';
import { ShortcutsDialog } from './components/ShortcutsDialog';
import { useGlobalShortcuts } from './components/useGlobalShortcuts';
import { DashboardView } from './views/DashboardView';
import { ConnectionsView } from './views/ConnectionsView';
import { SystemView } from './views/SystemView';
import { StepsView } from './views/StepsView';
import { SnapshotsView } from './views/SnapshotsView';
import { JournalView } from './views/journal/JournalView';
import { WalkthroughView } from './views/walkthrough/WalkthroughView';
import { CanariesView } from './views/canaries/CanariesView';
import { TrialsView } from './views/trials/TrialsView';
import { RolloutView } from './views/fleet/RolloutView';
import { TerminalDock } from './terminal/TerminalDock';

// The terminal is not in this map: its dock stays mounted so shells survive view changes.
const VIEWS: Record<Exclude<ViewId, 'terminal'>, () => React.JSX.Element> = {
  dashboard: DashboardView,
  walkthrough: WalkthroughView,
  steps: StepsView,
  snapshots: SnapshotsView,
  journal: JournalView,
  connections: ConnectionsView,
  system: SystemView,
  canaries: CanariesView,
  trials: TrialsView,
  fleet: RolloutView,
};

export function App() {
  const view = useApp((s) => s.view);
  const theme = useApp((s) => s.theme);
  const bootError = useApp((s) => s.bootError);
  useGlobalShortcuts();

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  // A view change can remove the focused element (a button of the old view): put focus
  // at the start of the new view instead of leaving it on <body>.
  const shownView = useRef(view);
  useEffect(() => {
    // Only on a real change: a fresh page keeps its natural Tab order (skip link first).
    if (shownView.current === view) return;
    shownView.current = view;
    const active = document.activeElement;
    if (!active || active === document.body || !active.isConnected) document.getElementById('main')?.focus({ preventScroll: true });
  }, [view]);

  const View = view === 'terminal' ? null : VIEWS[view];
  return (
    <div className="shell">
      <TopBar />
      <Sidebar />
      <main className="content" id="main" tabIndex={-1}>
        <LiveStatus />
        {bootError ? (
          <div className="panel error-panel" role="alert">
            <h2>Harden Lab could not start</h2>
            <p>{bootError.message}</p>
            {bootError.hint && <p className="hint">{bootError.hint}</p>}
          </div>
        ) : (
          View && <View />
        )}
        {!bootError && <TerminalDock visible={view === 'terminal'} />}
      </main>
      <Notices />
      <HostKeyModal />
      <HostKeyChangedDialog />
      <SecretPrompt />
      <RevertDialog />
      <ShortcutsDialog />
    </div>
  );
}
