import { z } from 'zod';
/**
 * Strict patterns for every name a person can type that ends up in a command
 * line or a file path on a VM or on this machine. Anything that does not
 * match is refused before it goes anywhere. Quoting (shared/quote.ts) is the
 * second wall, not the first.
 */
export const NAME_PATTERNS = {
  /** Connection profile: used in file names and CLI flags. */
  profile: /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/,
  /** A VM name as we create or type it (existing VirtualBox VMs are looked up, not typed into commands). */
  vm: /^[A-Za-z0-9][A-Za-z0-9 ._@+-]{0,63}$/,
  /** A snapshot name we create. Existing snapshots are referred to by id after lookup. */
  snapshot: /^[A-Za-z0-9][A-Za-z0-9 ._:+-]{0,79}$/,
  /** Linux kernel module name (modprobe treats - and _ alike). */
  module: /^[A-Za-z0-9_-]{1,56}$/,
  /** sysctl key in dotted form, e.g. kernel.kptr_restrict or net.ipv4.conf.all.rp_filter. */
  sysctlKey: /^[a-z0-9_]+(?:\.[A-Za-z0-9_-]+)+$/,
  /** POSIX user name as useradd accepts it by default. */
  unixUser: /^[a-z_][a-z0-9_-]{0,31}$/,
  /** Host name or IPv4/IPv6 literal. */
  host: /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[?[0-9A-Fa-f:.]+\]?)$/,
  /** Hardening step id. */
  step: /^[a-z][a-z0-9-]{0,31}$/,
  /** Docker container id or name. */
  container: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
  /** A canary's name: kept in a file and shown in reports and CLI flags. */
  canary: /^[a-z0-9][a-z0-9._-]{0,39}$/,
  /** A systemd unit or OpenRC service name, e.g. docker.service or getty@tty1. */
  unit: /^[A-Za-z0-9][A-Za-z0-9@._:\\-]{0,127}$/,
  /** A local container image reference, e.g. busybox, hl-test:latest or team/app:1.2 (no registry port: images are local). */
  image: /^[a-z0-9][a-z0-9._/-]{0,199}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
  /** A policy's name: a file name, a CLI argument and part of a snapshot name. */
  policy: /^[a-z0-9][a-z0-9-]{0,39}$/,
  /** One setting of a policy: a sysctl key, a module name or an sshd setting id. */
  setting: /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/,
} as const;

export type NameKind = keyof typeof NAME_PATTERNS;

const DESCRIPTIONS: Record<NameKind, string> = {
  profile: 'letters, digits, dot, dash and underscore, starting with a letter or digit, at most 40',
  vm: 'letters, digits, space, dot, dash, underscore, @ and +, starting with a letter or digit, at most 64',
  snapshot: 'letters, digits, space, dot, dash, underscore, colon and +, starting with a letter or digit, at most 80',
  module: 'letters, digits, dash and underscore, at most 56',
  sysctlKey: 'dotted lower-case words such as kernel.kptr_restrict',
  unixUser: 'lower-case letters, digits, dash and underscore, starting with a letter or underscore, at most 32',
  host: 'a host name or an IP address',
  step: 'lower-case letters, digits and dash',
  container: 'a container id or name',
  canary: 'lower-case letters, digits, dot, dash and underscore, starting with a letter or digit, at most 40',
  unit: 'a unit name such as docker.service (letters, digits, @ . _ : - and \\)',
  image: 'a local image such as busybox or hl-test:latest',
  policy: 'lower-case letters, digits and dash, starting with a letter or digit, at most 40',
  setting: 'letters, digits, dot, dash and underscore (a sysctl key, a module or an sshd setting id), at most 80',
};

export function isValidName(kind: NameKind, value: string): boolean {
  return NAME_PATTERNS[kind].test(value);
}

/** Returns null when valid, otherwise a sentence saying what is allowed. */
export function explainInvalidName(kind: NameKind, value: string): string | null {
  if (isValidName(kind, value)) return null;
  const shown = JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value);
  return `${shown} is not a valid ${kind} name: use ${DESCRIPTIONS[kind]}.`;
}

/** A string that must be a valid name of this kind, with the sentence above as the error. */
export function nameSchema(kind: NameKind) {
  return z.string().superRefine((v, ctx) => {
    const bad = explainInvalidName(kind, v);
    if (bad) ctx.addIssue({ code: 'custom', message: bad });
  });
}
