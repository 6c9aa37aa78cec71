import { homedir } from 'node:os';
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, NextAuthHandler } from 'ssh2';
import type { Auth } from '../../../shared/profile';
import { HardenLabError } from '../errors';
import type { SecretStore } from '../secrets/secret-store';
import { sha256Fingerprint } from './host-key';
import { readKeyFile } from './key-file';
import { parseKey } from './ssh2-runtime';

/** Which login method a profile uses, in the words the server's method list uses. */
export type AuthMethod = 'publickey' | 'agent' | 'password';

export interface PreparedAuth {
  method: AuthMethod;
  /** For messages: "key ~/.ssh/id_ed25519 (ssh-ed25519 SHA256:...)", "ssh-agent", "password". */
  description: string;
  /** The ssh2 auth attempts, in order; keyboard-interactive is the password sent through PAM prompts. */
  attempts: AnyAuthMethod[];
}

export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return home + path.slice(1);
  return path;
}

/**
 * Turns a profile's auth into ready ssh2 attempts, reading the key file and
 * the secrets it needs first, so that a missing passphrase or password is
 * reported before any network traffic (SECRET_REQUIRED: the UI asks and
 * retries) rather than as a vague refusal by the server.
 */
export async function prepareAuth(opts: { auth: Auth; user: string; profileName: string; secrets: SecretStore; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<PreparedAuth> {
  const { auth, user, profileName, secrets } = opts;
  const env = opts.env ?? process.env;
  switch (auth.kind) {
    case 'key': {
      const path = expandHome(auth.keyPath);
      const data = await readKeyFile(path, opts.signal ? { signal: opts.signal } : {});
      let parsed = parseKey(data);
      let passphrase: string | undefined;
      if (parsed instanceof Error && /passphrase/i.test(parsed.message)) {
        passphrase = await secrets.get(profileName, 'passphrase');
        if (passphrase === undefined) {
          throw new HardenLabError('SECRET_REQUIRED', `The private key ${path} is protected by a passphrase. Enter it to connect.`, {
            detail: 'passphrase',
            hint: 'The passphrase is kept for this session, or saved encrypted if you choose to remember it.',
          });
        }
        parsed = parseKey(data, passphrase);
        if (parsed instanceof Error) {
          throw new HardenLabError('AUTH_FAILED', `The passphrase for the private key ${path} is wrong.`, { detail: 'passphrase', hint: 'Enter the passphrase again.' });
        }
      }
      if (parsed instanceof Error) {
        throw new HardenLabError('BAD_INPUT', `${path} is not a private key Harden Lab can use (${parsed.message}).`, {
          hint: 'Use an OpenSSH or PEM private key file (not the .pub file).',
        });
      }
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (!key || !key.isPrivateKey()) {
        throw new HardenLabError('BAD_INPUT', `${path} holds a public key, not a private key.`, { hint: 'Point the profile at the private key (the file without .pub).' });
      }
      const fp = sha256Fingerprint(key.getPublicSSH());
      return {
        method: 'publickey',
        description: `key ${auth.keyPath} (${key.type} ${fp})`,
        attempts: [{ type: 'publickey', username: user, key: data, ...(passphrase !== undefined ? { passphrase } : {}) }],
      };
    }
    case 'agent': {
      const sock = env.SSH_AUTH_SOCK;
      if (!sock) {
        throw new HardenLabError('AUTH_FAILED', 'This profile logs in with ssh-agent, but no agent is running here (SSH_AUTH_SOCK is not set).', {
          detail: 'agent',
          hint: 'Start an agent and add your key (eval "$(ssh-agent)"; ssh-add), then start Harden Lab from that shell, or switch the profile to a key file.',
        });
      }
      return { method: 'agent', description: `ssh-agent (${sock})`, attempts: [{ type: 'agent', username: user, agent: sock }] };
    }
    case 'password': {
      const password = await secrets.get(profileName, 'password');
      if (password === undefined) {
        throw new HardenLabError('SECRET_REQUIRED', `Enter the password of ${user} to connect.`, {
          detail: 'password',
          hint: 'The password is kept for this session, or saved encrypted if you choose to remember it.',
        });
      }
      return {
        method: 'password',
        description: 'password',
        attempts: [
          { type: 'password', username: user, password },
          // Servers that leave passwords to PAM offer only keyboard-interactive; answer every prompt with the password.
          { type: 'keyboard-interactive', username: user, prompt: (_name, _instr, _lang, prompts, finish) => finish(prompts.map(() => password)) },
        ],
      };
    }
    default:
      throw new HardenLabError('BAD_INPUT', 'The profile names an unknown login method.');
  }
}

export interface AuthProgress {
  tried: AuthenticationType[];
  /** Methods the server said it would accept, once it said so. */
  serverMethods: string[] | null;
}

/**
 * An ssh2 authHandler that offers only the attempts the server accepts and
 * records what was tried, so a failure can say which method was refused.
 */
export function authHandlerFor(prepared: PreparedAuth, progress: AuthProgress): AuthHandlerMiddleware {
  const queue = [...prepared.attempts];
  // ssh2 passes null method lists on the first call, before the server has said anything.
  return (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
    if (methodsLeft) progress.serverMethods = [...methodsLeft];
    while (queue.length > 0) {
      const attempt = queue.shift()!;
      const wire = attempt.type === 'agent' ? 'publickey' : attempt.type;
      if (progress.serverMethods && !progress.serverMethods.includes(wire)) continue;
      progress.tried.push(attempt.type);
      next(attempt);
      return;
    }
    (next as unknown as (auth: false) => void)(false);
  };
}

/**
 * An ssh2 authHandler that offers no credential: the server answers the
 * "none" attempt with the methods it accepts, which go to `offered`, and
 * nothing else is tried.
 */
export function noneAuthHandler(user: string, offered: (methods: string[]) => void): AuthHandlerMiddleware {
  return (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
    if (methodsLeft === null) return next({ type: 'none', username: user });
    offered([...methodsLeft]);
    (next as unknown as (auth: false) => void)(false);
  };
}

/** The AUTH_FAILED error for a login the server refused; detail is the method refused. */
export function describeAuthFailure(opts: { prepared: Pick<PreparedAuth, 'method' | 'description'>; progress: AuthProgress; user: string; host: string; port: number }): HardenLabError {
  const { prepared, progress, user, host, port } = opts;
  const target = `${user}@${host}:${port}`;
  const offers = progress.serverMethods?.length ? progress.serverMethods.join(', ') : 'nothing we recognise';
  if (progress.tried.length === 0) {
    const what = prepared.method === 'password' ? 'password login' : prepared.method === 'agent' ? 'public key login (ssh-agent)' : 'public key login';
    return new HardenLabError('AUTH_FAILED', `${host}:${port} does not allow ${what}; it accepts: ${offers}.`, {
      detail: prepared.method,
      hint: prepared.method === 'password' ? 'Switch the profile to a key (the server may have PasswordAuthentication no).' : 'Switch the profile to a login method the server accepts.',
    });
  }
  switch (prepared.method) {
    case 'password':
      return new HardenLabError('AUTH_FAILED', `The server refused the password for ${target}.`, {
        detail: 'password',
        hint: 'Check the user name and password (passwords are case-sensitive). The account may also be locked or not allowed to log in over SSH.',
      });
    case 'publickey':
      return new HardenLabError('AUTH_FAILED', `The server refused the ${prepared.description} for ${target}.`, {
        detail: 'publickey',
        hint: `Add the matching public key to ~${user}/.ssh/authorized_keys on the server (ssh-copy-id -i KEY.pub -p ${port} ${user}@${host}), or choose the right key in the profile.`,
      });
    case 'agent':
      return new HardenLabError('AUTH_FAILED', `The server accepted none of the keys in ssh-agent for ${target}.`, {
        detail: 'agent',
        hint: 'List the agent keys with ssh-add -l; add the right one with ssh-add KEY, or authorize one of them on the server.',
      });
  }
}
