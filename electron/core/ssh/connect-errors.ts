import { HardenLabError } from '../errors';

/**
 * Turns what the socket or ssh2 reported into one CONNECT_FAILED error a
 * person can act on. Pure: the error object and where we were going are all
 * it needs. Host key and login failures never come through here; they are
 * decided where they happen and carry their own codes.
 */
export function classifyConnectError(err: unknown, target: { host: string; port: number; via?: string }): HardenLabError {
  if (err instanceof HardenLabError) return err;
  const e = (err ?? {}) as { code?: string; level?: string; message?: string };
  const where = `${target.host}:${target.port}${target.via ? ` (through ${target.via})` : ''}`;
  const msg = e.message ?? String(err);
  const cause = err;
  switch (e.code) {
    case 'ECONNREFUSED':
      return new HardenLabError('CONNECT_FAILED', `Nothing accepts connections on ${where} (connection refused).`, {
        hint: 'Check that the VM is running, that sshd is started in it, and that the port (or the hypervisor port forward) is right.',
        detail: 'refused',
        cause,
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return new HardenLabError('CONNECT_FAILED', `${where} cannot be reached (${e.code}).`, {
        hint: "Check the VM's network and address; a host-only or NAT adapter may need a port forward to 127.0.0.1.",
        detail: 'unreachable',
        cause,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new HardenLabError('CONNECT_FAILED', `The host name ${target.host} cannot be resolved (${e.code}).`, {
        hint: 'Check the spelling, or use the IP address.',
        detail: 'dns',
        cause,
      });
    case 'ETIMEDOUT':
      return timedOut(where, cause);
    case 'ECONNRESET':
    case 'EPIPE':
      return new HardenLabError('CONNECT_FAILED', `${where} closed the connection during the SSH handshake.`, {
        hint: 'sshd may still be starting, be limiting new connections (MaxStartups), or block this address (fail2ban, tcp wrappers). Try again in a moment.',
        detail: 'reset',
        cause,
      });
  }
  if (e.level === 'client-timeout' || /timed out/i.test(msg)) return timedOut(where, cause);
  if (e.level === 'handshake' || /no matching|handshake failed/i.test(msg)) {
    return new HardenLabError('CONNECT_FAILED', `${where} and Harden Lab share no SSH algorithm (${msg}).`, {
      hint: 'The server may only offer algorithms this build lacks (for example chacha20-poly1305 only). Allow an AES cipher in its sshd_config.',
      detail: 'algorithms',
      cause,
    });
  }
  if (/connection lost before handshake|closed/i.test(msg)) {
    return new HardenLabError('CONNECT_FAILED', `${where} closed the connection before the SSH handshake finished.`, {
      hint: 'sshd may still be starting (after a reboot or restore) or be refusing this address. Try again in a moment.',
      detail: 'reset',
      cause,
    });
  }
  if (e.level === 'protocol' || /protocol|identification/i.test(msg)) {
    return new HardenLabError('CONNECT_FAILED', `${where} did not answer like an SSH server (${msg}).`, {
      hint: 'Check the port: something other than sshd may be listening there.',
      detail: 'protocol',
      cause,
    });
  }
  return new HardenLabError('CONNECT_FAILED', `Connecting to ${where} failed: ${msg}`, { hint: 'Check that the VM is running and reachable.', detail: 'other', cause });
}

function timedOut(where: string, cause: unknown): HardenLabError {
  return new HardenLabError('CONNECT_FAILED', `${where} did not complete an SSH connection in time.`, {
    hint: 'The VM may be booting, paused or unreachable, or a firewall drops the packets. Check it is running and try again.',
    detail: 'timeout',
    cause,
  });
}

/**
 * An error on a connection that was already up. It is not a connect failure:
 * naming the handshake here (as classifyConnectError would for a reset) sends
 * people looking at sshd's start-up when the VM was restored, rebooted or
 * killed its sessions.
 */
export function classifyDropError(err: unknown, target: { host: string; port: number }): HardenLabError {
  if (err instanceof HardenLabError) return err;
  const e = (err ?? {}) as { code?: string; level?: string; message?: string };
  const where = `${target.host}:${target.port}`;
  const msg = e.message ?? String(err);
  if (e.code === 'ECONNRESET' || e.code === 'EPIPE') {
    return new HardenLabError('NOT_CONNECTED', `${where} reset the connection`, { hint: 'The VM may have been restored, rebooted or stopped, or sshd ended its sessions. Reconnect.', detail: 'reset', cause: err });
  }
  if (e.level === 'client-timeout' || /timed out/i.test(msg)) {
    return new HardenLabError('NOT_CONNECTED', `${where} stopped answering keepalives`, { hint: 'The VM may be paused, overloaded or unreachable.', detail: 'timeout', cause: err });
  }
  return new HardenLabError('NOT_CONNECTED', `${msg.replace(/\.$/, '')}`, { detail: 'other', cause: err });
}
