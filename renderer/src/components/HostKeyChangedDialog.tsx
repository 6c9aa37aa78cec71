import { useApp } from '../store';
import { Icon } from './Icon';
import { Modal } from './Modal';

/**
 * A changed host key is refused, full stop: this dialog explains and offers
 * no way to connect anyway. Removing the old key is a separate, deliberate
 * action in Connections.
 */
export function HostKeyChangedDialog() {
  const changed = useApp((s) => s.hostKeyChanged);
  const dismiss = useApp((s) => s.dismissHostKeyChanged);
  const setView = useApp((s) => s.setView);
  if (!changed) return null;
  return (
    <Modal
      title={`The host key of “${changed.profile}” has changed`}
      onClose={dismiss}
      tone="danger"
      role="alertdialog"
      size="md"
      footer={
        <>
          <button
            type="button"
            onClick={() => {
              dismiss();
              setView('connections');
            }}
          >
            Open Connections
          </button>
          <button type="button" className="primary" onClick={dismiss} data-autofocus>
            Close
          </button>
        </>
      }
    >
      <div className="blocking-warning">
        <Icon name="alert" size={28} />
        <div>
          <p className="strong">{changed.error.message}</p>
          {changed.error.hint && <p>{changed.error.hint}</p>}
          <p className="muted">
            Harden Lab did not connect. A different key can mean that someone is intercepting the connection, or that the VM was rebuilt. If you rebuilt it
            yourself, remove the old key in Connections (“Forget host key”), connect again, and compare the new fingerprint with the one the VM shows.
          </p>
        </div>
      </div>
    </Modal>
  );
}
