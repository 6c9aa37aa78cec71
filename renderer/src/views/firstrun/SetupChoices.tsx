import { useState } from 'react';
import { Icon, type IconName } from '../../components/Icon';
import { ProfileForm } from '../../components/ProfileForm';
import { useApp } from '../../store';
import { LabSetup } from './LabSetup';
import { VirtualBoxSetup } from './VirtualBoxSetup';

export type SetupChoice = 'lab' | 'virtualbox' | 'manual';

const CHOICES: Array<{ id: SetupChoice; title: string; text: string; icon: IconName; badge?: string }> = [
  {
    id: 'lab',
    title: 'Create a disposable lab VM',
    text: 'Harden Lab builds a small Debian VM under QEMU on this computer, weak by design, ready to harden and throw away.',
    icon: 'shield',
    badge: 'Recommended',
  },
  { id: 'virtualbox', title: 'Use my VirtualBox VM', text: 'Pick one of your VirtualBox VMs; its SSH port forward is found for you.', icon: 'container' },
  { id: 'manual', title: 'Connect to a host', text: 'Any VM you reach over SSH. Link its hypervisor to get snapshots and revert.', icon: 'terminal' },
];

/** The three ways to get a VM to work on, shared by the first-run screen and Connections. */
export function SetupChoices({ initial = null, onDone }: { initial?: SetupChoice | null; onDone?: () => void }) {
  const labRunning = useApp((s) => s.lab?.status === 'running' || s.lab?.status === 'done');
  const [choice, setChoice] = useState<SetupChoice | null>(initial ?? (labRunning ? 'lab' : null));

  return (
    <>
      <div className="choice-grid" role="group" aria-label="How do you want to start?">
        {CHOICES.map((c) => (
          <button key={c.id} type="button" className={`choice-card${choice === c.id ? ' selected' : ''}`} aria-pressed={choice === c.id} onClick={() => setChoice(c.id)}>
            <span className="choice-icon" aria-hidden="true">
              <Icon name={c.icon} size={22} />
            </span>
            <span className="choice-title">
              {c.title}
              {c.badge && <span className="pill ok small-pill">{c.badge}</span>}
            </span>
            <span className="choice-text">{c.text}</span>
          </button>
        ))}
      </div>
      {choice === 'lab' && <LabSetup />}
      {choice === 'virtualbox' && <VirtualBoxSetup {...(onDone ? { onDone } : {})} />}
      {choice === 'manual' && <ProfileForm title="Connect to a host" submitLabel="Save and connect" {...(onDone ? { onSaved: () => onDone() } : {})} />}
    </>
  );
}
