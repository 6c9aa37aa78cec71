import { useApp } from '../store';
import { FirstRunView } from './firstrun/FirstRunView';
import { OpenExperiments } from './journal/OpenExperiments';
import { SystemCard } from './DashboardSystemCard';
import { VmCard } from './DashboardVmCard';
import { SnapshotCard } from './DashboardSnapshotCard';
import { AuditCard } from './DashboardAuditCard';
import { WalkthroughCard } from './DashboardWalkthroughCard';
import { CanaryCard } from './DashboardCanaryCard';
import { hypervisorLabel } from '../../../shared/hypervisor-kinds';

export function DashboardView() {
  const loaded = useApp((s) => s.profilesLoaded);
  const hasProfile = useApp((s) => s.profiles.some((p) => p.name === s.activeProfile));
  const booted = useApp((s) => s.booted);
  if (!loaded) {
    return (
      <section className="view" aria-busy={!booted}>
        <div className="skeleton-title" />
        <div className="cards">
          <div className="card skeleton-card" />
          <div className="card skeleton-card" />
        </div>
      </section>
    );
  }
  if (!hasProfile) return <FirstRunView />;
  return <VmDashboard />;
}

function VmDashboard() {
  const profile = useApp((s) => s.profiles.find((p) => p.name === s.activeProfile)!);
  const name = profile.name;
  return (
    <section className="view">
      <header className="view-header">
        <h1>{name}</h1>
        <p className="lead">
          {profile.user}@{profile.host}:{profile.port}
          {profile.hypervisor ? ` · ${hypervisorLabel(profile.hypervisor.kind)} VM` : ' · no hypervisor linked'}
        </p>
      </header>
      <OpenExperiments profile={name} />
      <div className="cards dashboard-cards">
        <SystemCard profile={name} />
        <VmCard profile={name} />
        <SnapshotCard profile={name} />
        <AuditCard profile={name} />
        <CanaryCard profile={name} />
        <WalkthroughCard profile={name} />
      </div>
    </section>
  );
}
