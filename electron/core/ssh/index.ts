/**
 * The SSH layer: host keys (OpenSSH known_hosts), one reused connection per
 * VM with many channels, elevation, atomic remote file edits, terminal
 * shells, ~/.ssh/config import and `ssh-check`. Everything other code needs
 * is exported here; the files behind it are free to change.
 */

// Connections
export { connect, SshConnection } from './connection';
export type { ConnectOptions, ExecOptions, ExecResult, CloseInfo } from './connection';
export type { RawExecResult } from './exec-channel';
export { ConnectionManager } from './manager';
export type { ConnectionManagerOptions, ConnectionState, ConnectionStateEvent, WaitForSshOptions } from './manager';
export { backoffDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export { sshCheck } from './ssh-check';
export type { SshCheckDeps, SshCheckResult } from './ssh-check';
export { parseProxyJump } from './proxy-jump';
export type { AuthMethod } from './auth';

// Batch probes
export { buildProbeScript, parseProbeOutput, newProbeToken } from './probe';
export type { ProbeCommands, ProbeItemResult, ProbeResults } from './probe';

// Host keys
export { sha256Fingerprint, parsePublicKeyText, formatPublicKey, publicKeyFromBlob, keyTypeOfBlob, sameKey } from './host-key';
export type { PublicKey } from './host-key';
export {
  parseKnownHosts,
  parseKnownHostsLine,
  serializeKnownHosts,
  formatKnownHostLine,
  hostFieldMatches,
  hostLookupName,
  hashHostName,
  entriesForHost,
  removeHostFromKnownHosts,
} from './known-hosts';
export type { KnownHostEntry, KnownHostsLine, KnownHostsMarker } from './known-hosts';
export { decideHostKey, describeRefusal } from './host-key-decision';
export type { HostKeyDecision, HostKeyDecisionInput, HostKeyStatus } from './host-key-decision';
export { KnownHostsStore, defaultKnownHostsPath, userKnownHostsPath } from './known-hosts-store';
export { verifyHostKey, promptWithTimeout, DEFAULT_PROMPT_TIMEOUT_MS } from './host-key-verifier';
export type { HostKeyAnswer, HostKeyPrompter, HostKeyPromptRequest, HostKeyTrust, VerifiedHostKey } from './host-key-verifier';

// Elevation
export { detectElevation, inspectElevation } from './elevation-detect';
export { chooseElevation, buildCommandArgv } from './elevation';
export type { ElevationMode, ElevationPreference, ElevationReport } from './elevation';

// Remote files
export { readFile, readFileBuffer, writeFileAtomic, backupPathFor } from './remote-files';
export type { ReadFileOptions, WriteFileOptions, WriteFileResult } from './remote-files';

// Terminals
export { openShell } from './shell';
export type { ShellExit, ShellOptions, ShellSession } from './shell';
export { computeBackpressureAction, DEFAULT_HIGH_WATERMARK, DEFAULT_LOW_WATERMARK } from './backpressure';
export type { BackpressureAction } from './backpressure';

// ~/.ssh/config
export { importSshConfig, candidateFromResolved } from './ssh-config-import';
export type { ImportSshConfigOptions, SshConfigCandidate } from './ssh-config-import';
export { parseSshConfig, resolveHost, concreteHostAliases } from './ssh-config';

