import type { HostKeyPrompt } from '../../../shared/contract';
import { useNow } from '../hooks/useNow';
import { parseTime } from '../lib/format';
import { useApp } from '../store';
import { ErrorBox } from './ErrorBox';
import { Icon } from './Icon';
import { Modal } from './Modal';

/**
 * First contact with an SSH server: the person decides whether the key is the
 * VM's. Unanswered, the core cancels at expiresAt; the countdown says so.
 */
/** Where the server keeps this type of host key (OpenSSH's default names). */
export function hostKeyFile(keyType: string): string {
  const t = keyType.startsWith('ecdsa') ? 'ecdsa' : keyType.replace(/^ssh-/, '');
  return `/etc/ssh/ssh_host_${t}_key.pub`;
}

export function HostKeyModal() {
  const prompt = useApp((s) => s.hostKeyPrompts[0]);
  if (!prompt) return null;
  return <HostKeyPromptDialog key={prompt.promptId} prompt={prompt} />;
}

function HostKeyPromptDialog({ prompt }: { prompt: HostKeyPrompt }) {
  const answer = useApp((s) => s.answerHostKey);
  const answering = useApp((s) => s.hostKeyAnswering === prompt.promptId);
  const error = useApp((s) => s.hostKeyError);
  const now = useNow(true, 500);
  const expires = parseTime(prompt.expiresAt) ?? now;
  const left = Math.max(0, Math.ceil((expires - now) / 1000));
  const expired = left === 0;
  const target = `${prompt.host}${prompt.port === 22 ? '' : `:${prompt.port}`}`;

  return (
    <Modal
      title="Is this the VM's host key?"
      onClose={() => void answer(prompt.promptId, 'cancel')}
      dismissable={!answering}
      size="md"
      describedBy="hostkey-explain"
      footer={
        <>
          <button type="button" onClick={() => void answer(prompt.promptId, 'cancel')} disabled={answering || expired}>
            Cancel
          </button>
          <button type="button" onClick={() => void answer(prompt.promptId, 'trust-once')} disabled={answering || expired}>
            Trust once
          </button>
          <button type="button" className="primary" onClick={() => void answer(prompt.promptId, 'trust-remember')} disabled={answering || expired} data-autofocus>
            Trust and remember
          </button>
        </>
      }
    >
      <p id="hostkey-explain">
        Harden Lab has never seen the SSH server at <strong>{target}</strong>
        {prompt.profile ? <> (connection “{prompt.profile}”)</> : null}. Check that the fingerprint below is the VM's before trusting it: on the VM's console,{' '}
        <code>ssh-keygen -lf {hostKeyFile(prompt.keyType)}</code> prints it.
      </p>
      <dl className="facts hostkey-facts">
        <dt>Host</dt>
        <dd className="mono">{prompt.host}</dd>
        <dt>Port</dt>
        <dd className="mono">{prompt.port}</dd>
        <dt>Key type</dt>
        <dd className="mono">{prompt.keyType}</dd>
        <dt>Fingerprint</dt>
        <dd>
          <code className="fingerprint" aria-label="SHA256 fingerprint">
            {prompt.fingerprint}
          </code>
        </dd>
      </dl>
      <p className={`countdown${left <= 10 ? ' urgent' : ''}`} aria-live={left <= 10 ? 'assertive' : 'off'}>
        <Icon name="clock" />{' '}
        {expired ? 'This question expired and counts as Cancel. Connect again to see it anew.' : `Answer within ${left} s; no answer counts as Cancel.`}
      </p>
      {error && <ErrorBox error={error} compact />}
    </Modal>
  );
}
