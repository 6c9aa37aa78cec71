import { useEffect } from 'react';
import { useApp, type ViewId } from './store';
import { Sidebar } from './components/Sidebar';
import { TopBar } from './components/TopBar';
import { Notices } from './components/Notices';
import { DashboardView } from './views/DashboardView';
import { ConnectionsView } from './views/ConnectionsView';
import { SystemView } from './views/SystemView';
import { ComingView } from './views/ComingView';

const VIEWS: Record<ViewId, () => React.JSX.Element> = {
  dashboard: DashboardView,
  walkthrough: () => <ComingView title="Guided walkthrough" text="Follow the container-host hardening guide step by step, each change inside a snapshot you can return to." />,
  steps: () => <ComingView title="Hardening steps" text="Preview each step as a diff before anything changes, apply it, and see the proof that it took effect." />,
  snapshots: () => <ComingView title="Snapshots" text="The snapshot tree of the connected VM, with one-click revert." />,
  journal: () => <ComingView title="Journal" text="Every experiment with its diff, its outcome and what was restored." />,
  terminal: () => <ComingView title="Terminal" text="Shell tabs on the connected VM." />,
  connections: ConnectionsView,
  system: SystemView,
};

export function App() {
  const view = useApp((s) => s.view);
  const theme = useApp((s) => s.theme);
  const bootError = useApp((s) => s.bootError);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  const View = VIEWS[view];
  return (
    <div className="shell">
      <TopBar />
      <Sidebar />
      <main className="content" id="main" tabIndex={-1} aria-live="polite">
        {bootError ? (
          <div className="panel error-panel" role="alert">
            <h2>Harden Lab could not start</h2>
            <p>{bootError.message}</p>
            {bootError.hint && <p className="hint">{bootError.hint}</p>}
          </div>
        ) : (
          <View />
        )}
      </main>
      <Notices />
    </div>
  );
}
