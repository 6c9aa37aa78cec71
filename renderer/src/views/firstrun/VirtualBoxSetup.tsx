import { useShallow } from 'zustand/react/shallow';
import { useEffect, useState } from 'react';
import type { Res } from '../../../../shared/contract';
import type { VmInfoShape } from '../../../../shared/domain';
import { call, errorText, type ErrorView } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';
import { Icon } from '../../components/Icon';
import { ProfileForm } from '../../components/ProfileForm';
import { profileNameFor, uniqueName } from '../../../../shared/profile-name';
import { useApp } from '../../store';

const STATE_TONE: Partial<Record<VmInfoShape['state'], string>> = { running: 'ok', stopped: 'neutral', saved: 'neutral', aborted: 'bad', paused: 'warn' };

/** "Use my VirtualBox VM": pick a VM from VBoxManage's list; its SSH port forward fills in host and port. */
export function VirtualBoxSetup({ onDone }: { onDone?: () => void }) {
  const taken = useApp(useShallow((s) => s.profiles.map((p) => p.name)));
  const [list, setList] = useState<Res<'vm.list'> | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
  const [loading, setLoading] = useState(true);
  const [chosen, setChosen] = useState<string | null>(null);

  const load = async () => {
    setLoading(true);
    setError(null);
    try {
      setList(await call('vm.list', { hypervisor: 'virtualbox' }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load();
  }, []);

  const vms = list?.vms.filter((v) => v.hypervisor === 'virtualbox') ?? [];
  const unavailable = list?.unavailable.find((u) => u.hypervisor === 'virtualbox');
  const vm = vms.find((v) => v.id === chosen) ?? null;

  return (
    <section className="panel setup-panel" aria-labelledby="vbox-title" aria-busy={loading}>
      <div className="panel-header">
        <h2 id="vbox-title">Use my VirtualBox VM</h2>
        <button type="button" className="small" onClick={() => void load()} disabled={loading}>
          {loading ? 'Looking…' : 'Refresh'}
        </button>
      </div>
      <p className="muted">Harden Lab takes snapshots of the VM through VirtualBox before each change, and restores them with one click.</p>

      {loading && !list && (
        <div className="skeleton-list" aria-label="Looking for VirtualBox VMs">
          <div className="skeleton-row" />
          <div className="skeleton-row" />
        </div>
      )}
      {error && (
        <ErrorBox error={error} title="The VirtualBox VMs could not be listed">
          <button type="button" onClick={() => void load()}>
            Try again
          </button>
        </ErrorBox>
      )}
      {unavailable && (
        <div className="notice-inline warn" role="status">
          <Icon name="info" />
          <div>
            <p className="strong">VirtualBox is not available on this computer.</p>
            <p>{unavailable.reason}</p>
            <p className="muted">Install VirtualBox (VBoxManage must be on the PATH), or choose “Create a disposable lab VM” instead.</p>
          </div>
        </div>
      )}
      {list && !unavailable && vms.length === 0 && (
        <p className="notice-inline">
          <Icon name="info" /> VirtualBox has no VMs yet. Create one (a minimal Debian or Alpine install), add a NAT port forward for SSH, then press Refresh.
        </p>
      )}
      {vms.length > 0 && (
        <fieldset className="vm-choices">
          <legend>Choose the VM</legend>
          {vms.map((v) => (
            <label key={v.id} className={`vm-choice${v.id === chosen ? ' selected' : ''}${v.accessible ? '' : ' disabled'}`}>
              <input type="radio" name="vbox-vm" value={v.id} checked={v.id === chosen} disabled={!v.accessible} onChange={() => setChosen(v.id)} />
              <span className="vm-choice-name">{v.accessible ? v.name : `${v.name} (inaccessible)`}</span>
              <span className={`pill small-pill ${STATE_TONE[v.state] ?? 'neutral'}`}>{v.state}</span>
              <span className="muted small">{v.sshForward ? `SSH forwarded to ${v.sshForward.host}:${v.sshForward.port}` : 'no SSH port forward'}</span>
            </label>
          ))}
        </fieldset>
      )}
      {vm && !vm.sshForward && (
        <div className="notice-inline" role="note">
          <Icon name="info" />
          <div>
            <p>
              No NAT rule forwards to the VM's SSH port. With the VM powered off, add one, then press Refresh:
              <br />
              <code>VBoxManage modifyvm "{vm.name}" --natpf1 "ssh,tcp,127.0.0.1,2222,,22"</code>
            </p>
            <p className="muted">Or enter the VM's own address below if it has a bridged or host-only network.</p>
          </div>
        </div>
      )}
      {vm && (
        <ProfileForm
          key={vm.id}
          title={`Connection for “${vm.name}”`}
          origin="virtualbox"
          fixedHypervisor={{ kind: 'virtualbox', vm: vm.id, label: vm.name }}
          initial={{
            name: uniqueName(profileNameFor(vm.name), taken),
            host: vm.sshForward?.host ?? '127.0.0.1',
            port: String(vm.sshForward?.port ?? 22),
          }}
          submitLabel="Save and connect"
          {...(onDone ? { onSaved: () => onDone() } : {})}
        />
      )}
    </section>
  );
}
