/**
 * Opening a connection: the TCP or jump-host stream, the SSH handshake with
 * host-key verification, authentication, and the SshConnection that results
 * (its channel scheduling lives in connection.ts). connection.ts re-exports
 * connect and offeredAuthMethods, so importers are unchanged.
 */
import type { AuthHandlerMiddleware, ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { Profile } from '../../../shared/profile';
import { HardenLabError, isHardenLabError } from '../errors';
import { authHandlerFor, describeAuthFailure, noneAuthHandler, prepareAuth, type AuthProgress } from './auth';
import { classifyConnectError } from './connect-errors';
import { preferredHostKeyAlgorithms } from './host-key-algorithms';
import { knownKeyTypes } from './host-key-decision';
import { parsePinnedHostKey, verifyHostKey, type VerifiedHostKey } from './host-key-verifier';
import { KnownHostsStore } from './known-hosts-store';
import { parseProxyJump } from './proxy-jump';
import { Client } from './ssh2-runtime';
import { SshConnection, type ConnectOptions } from './connection';

function connectTimeoutError(host: string, port: number, ms: number): HardenLabError {
  return new HardenLabError('CONNECT_FAILED', `${host}:${port} did not complete an SSH connection within ${Math.round(ms / 100) / 10} s.`, {
    hint: 'The VM may be booting, paused or unreachable. Check it is running and try again.',
    detail: 'timeout',
  });
}

/** Opens a TCP stream to host:port through an existing connection (ProxyJump). */
function forwardThrough(jump: SshConnection, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    jump.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      if (err) {
        reject(
          new HardenLabError('CONNECT_FAILED', `The jump host ${jump.profile.host} could not reach ${host}:${port}: ${err.message}`, {
            hint: 'Check the address from the jump host, and that its sshd allows TCP forwarding (AllowTcpForwarding).',
            detail: 'jump',
          }),
        );
      } else resolve(stream);
    });
  });
}

/**
 * Connects, verifies the host key (prompting on an unknown key), logs in,
 * and returns the connection. Every failure is a HardenLabError:
 * SECRET_REQUIRED before any traffic when a password/passphrase is missing,
 * HOST_KEY_CHANGED / HOST_KEY_REJECTED / HOST_KEY_UNKNOWN, AUTH_FAILED (with
 * the refused method in `detail`), CONNECT_FAILED, CANCELLED.
 */
export async function connect(profile: Profile, opts: ConnectOptions): Promise<SshConnection> {
  const started = Date.now();
  const prepared = await prepareAuth({
    auth: profile.auth,
    user: profile.user,
    profileName: profile.name,
    secrets: opts.secrets,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const progress: AuthProgress = { tried: [], serverMethods: null };
  const shaken = await handshake(profile, opts, {
    user: profile.user,
    handler: authHandlerFor(prepared, progress),
    refused: () => describeAuthFailure({ prepared, progress, user: profile.user, host: profile.host, port: profile.port }),
  });
  return new SshConnection({
    client: shaken.client,
    profile,
    hostKey: shaken.hostKey,
    authMethod: prepared.method,
    connectMs: Date.now() - started,
    secrets: opts.secrets,
    maxSessions: opts.maxSessions ?? 10,
    commandRunner: opts.commandRunner ?? (opts.env ?? process.env).HARDENLAB_SSH_RUNNER !== '0',
    jump: shaken.jump,
  });
}

/**
 * The login methods the server offers `user` before any credential is sent
 * (the answer to a "none" attempt; ["none"] if it lets the user in with
 * nothing). It reaches the server the way connect() does, through the
 * profile's jump host, and checks its host key the same way; it never
 * prompts, so an unknown key is HOST_KEY_UNKNOWN. Nothing stays open.
 */
export async function offeredAuthMethods(profile: Profile, user: string, opts: ConnectOptions): Promise<string[]> {
  let offered: string[] | null = null;
  const { prompter: _neverAsked, ...noPrompt } = opts;
  const shaken = await handshake(profile, noPrompt, { user, handler: noneAuthHandler(user, (m) => (offered = m)), refused: null });
  shaken.client.destroy();
  if (shaken.jump) await shaken.jump.close();
  if (shaken.authenticated) return ['none'];
  if (!offered) throw new HardenLabError('CONNECT_FAILED', `${profile.host}:${profile.port} ended the login without saying which methods it accepts.`);
  return offered;
}

/** How a handshake authenticates: a real login, or only asking the server what it would accept. */
interface HandshakeAuth {
  /** Who logs in on the target (a jump hop logs in as the profile says). */
  user: string;
  handler: AuthHandlerMiddleware;
  /** The error for a login the server refused; null when a refusal is the answer sought (offeredAuthMethods). */
  refused: (() => HardenLabError) | null;
}

interface Handshake {
  client: Client;
  hostKey: VerifiedHostKey;
  jump: SshConnection | null;
  /** False only when the server refused and that was the answer sought. */
  authenticated: boolean;
}

/** ssh2 and sshd's forwarding want a bare address; profiles write IPv6 literals as "[::1]". */
function bareHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}

/**
 * What every way of reaching a server shares: the jump hop, host-key
 * verification (with a prompt only if opts has a prompter), a timeout that
 * pauses while a person reads that prompt, cancel, and the error mapping.
 */
async function handshake(profile: Profile, opts: ConnectOptions, auth: HandshakeAuth): Promise<Handshake> {
  const store = new KnownHostsStore({ ...(opts.knownHostsPath ? { file: opts.knownHostsPath } : {}), userFile: opts.userKnownHostsPath ?? null });
  const pinnedKey = profile.pinnedHostKey ? parsePinnedHostKey(profile.pinnedHostKey) : null;

  let jump: SshConnection | null = null;
  let sock: Duplex | undefined;
  if (profile.proxyJump) {
    const hop = parseProxyJump(profile.proxyJump, profile);
    jump = await connect({ ...profile, name: profile.name, host: hop.host, port: hop.port, user: hop.user, proxyJump: undefined, pinnedHostKey: undefined }, opts);
    try {
      sock = await forwardThrough(jump, bareHost(profile.host), profile.port);
    } catch (e) {
      await jump.close();
      throw e;
    }
  }

  const entries = [...(await store.entries()), ...(opts.sessionEntries ?? [])];
  const algos = preferredHostKeyAlgorithms(knownKeyTypes({ host: profile.host, port: profile.port, pinnedKey, entries }));
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const client = new Client();
  const via = jump ? jump.target : undefined;

  try {
    const outcome = await new Promise<{ hostKey: VerifiedHostKey; authenticated: boolean }>((resolve, reject) => {
      let verified: VerifiedHostKey | null = null;
      let hostKeyError: HardenLabError | null = null;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let remaining = timeoutMs;
      let armedAt = Date.now();
      const arm = () => {
        armedAt = Date.now();
        timer = setTimeout(() => fail(connectTimeoutError(profile.host, profile.port, timeoutMs)), remaining);
      };
      const disarm = () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        remaining = Math.max(1, remaining - (Date.now() - armedAt));
      };
      const onAbort = () => fail(new HardenLabError('CANCELLED', `Connecting to ${profile.host}:${profile.port} was cancelled.`));
      const done = () => {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        settled = true;
      };
      const fail = (e: HardenLabError) => {
        if (settled) return;
        done();
        client.destroy();
        reject(e);
      };

      client.on('ready', () => {
        if (settled) return;
        done();
        if (!verified) {
          client.destroy();
          reject(new HardenLabError('INTERNAL', 'The SSH handshake finished without a verified host key.'));
          return;
        }
        resolve({ hostKey: verified, authenticated: true });
      });
      client.on('error', (err: Error & { level?: string }) => {
        if (settled) return;
        if (hostKeyError) return fail(hostKeyError);
        if (err.level === 'client-authentication') {
          if (auth.refused) return fail(auth.refused());
          // The answer offeredAuthMethods asked for; ssh2 authenticates only after the host key passed.
          if (!verified) return fail(new HardenLabError('INTERNAL', 'The server answered the login before its host key was verified.'));
          done();
          client.destroy();
          return resolve({ hostKey: verified, authenticated: false });
        }
        if (err.level === 'agent') {
          return fail(
            new HardenLabError('AUTH_FAILED', `ssh-agent could not be used: ${err.message}`, {
              detail: 'agent',
              hint: 'Check that the agent is running (ssh-add -l) and that SSH_AUTH_SOCK points at it.',
            }),
          );
        }
        fail(classifyConnectError(err, { host: profile.host, port: profile.port, ...(via ? { via } : {}) }));
      });
      client.on('close', () => {
        if (settled) return;
        if (hostKeyError) return fail(hostKeyError);
        fail(classifyConnectError(new Error('Connection closed before handshake'), { host: profile.host, port: profile.port, ...(via ? { via } : {}) }));
      });

      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      arm();

      const config: ConnectConfig = {
        host: bareHost(profile.host),
        port: profile.port,
        username: auth.user,
        ...(sock ? { sock } : {}),
        // Our own timer (above) pauses while a person reads the host-key prompt; ssh2's would not.
        readyTimeout: 0,
        keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: opts.keepaliveCountMax ?? 3,
        ...(algos ? { algorithms: { serverHostKey: algos as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } } : {}),
        authHandler: auth.handler,
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          verifyHostKey({
            host: profile.host,
            port: profile.port,
            profileName: profile.name,
            presented: key,
            ...(profile.pinnedHostKey ? { pinnedHostKey: profile.pinnedHostKey } : {}),
            store,
            sessionEntries: opts.sessionEntries ?? [],
            ...(opts.prompter ? { prompter: opts.prompter } : {}),
            ...(opts.promptTimeoutMs !== undefined ? { promptTimeoutMs: opts.promptTimeoutMs } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
            onPromptStart: disarm,
            onPromptEnd: () => {
              if (!settled) arm();
            },
          }).then(
            (v) => {
              verified = v;
              verify(true);
            },
            (e: unknown) => {
              hostKeyError = isHardenLabError(e) ? e : new HardenLabError('INTERNAL', `Checking the host key failed: ${(e as Error).message}`);
              verify(false);
              // ssh2 reports a refused key as a generic handshake error; report ours now.
              fail(hostKeyError);
            },
          );
        },
      };
      try {
        client.connect(config);
        // Without TCP_NODELAY every channel open waits for a delayed ACK (~40 ms twice on Linux):
        // 100 ms per exec instead of 20 on 127.0.0.1. Many small exchanges is exactly our traffic.
        client.setNoDelay(true);
      } catch (e) {
        fail(classifyConnectError(e, { host: profile.host, port: profile.port }));
      }
    });
    return { client, jump, ...outcome };
  } catch (e) {
    if (jump) await jump.close();
    throw e;
  }
}
