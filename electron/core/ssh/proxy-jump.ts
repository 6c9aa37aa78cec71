import { NAME_PATTERNS } from '../../../shared/names';
import { HardenLabError } from '../errors';

export interface JumpHop {
  user: string;
  host: string;
  port: number;
}

/**
 * Reads a ProxyJump value "[user@]host[:port]" (also "[user@][v6addr]:port").
 * Only one hop is supported: a chain "a,b" is refused rather than silently
 * using the first hop.
 */
export function parseProxyJump(value: string, defaults: { user: string }): JumpHop {
  const v = value.trim().replace(/^ssh:\/\//, '');
  if (v.includes(',')) {
    throw new HardenLabError('BAD_INPUT', `ProxyJump "${value}" has several hops; Harden Lab supports one jump host.`, {
      hint: 'Give the profile a single jump host (user@host:port).',
    });
  }
  const m = /^(?:([^@\s]+)@)?(\[[0-9A-Fa-f:.]+\]|[^:\s@]+)(?::(\d{1,5}))?$/.exec(v);
  const user = m?.[1] ?? defaults.user;
  const host = m?.[2]?.replace(/^\[(.*)\]$/, '$1');
  const port = m?.[3] ? Number(m[3]) : 22;
  if (!m || !host || !NAME_PATTERNS.host.test(host) || !NAME_PATTERNS.unixUser.test(user) || port < 1 || port > 65535) {
    throw new HardenLabError('BAD_INPUT', `ProxyJump "${value}" is not of the form user@host:port.`);
  }
  return { user, host, port };
}
