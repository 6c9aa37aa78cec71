import type { Snapshot, SnapshotList, SshForward, VmState } from '../types';

/**
 * Pure parsers for VBoxManage's text. No I/O here: every function takes the
 * text a VBoxManage command printed and returns plain data, so each one is
 * tested on recorded output (fixtures/).
 *
 * What VBoxManage actually prints (VBoxManageInfo.cpp, VBoxManageSnapshot.cpp):
 * - `--machinereadable` lines are `key="value"` or `key=number`. Most values go
 *   through outputMachineReadableString, which escapes `"` and `\` with a
 *   backslash and nothing else: a newline in a description stays a real
 *   newline, so one value can span several lines. Keys holding `=` or built
 *   from a storage controller name are printed quoted: `"SATA-0-0"="..."`.
 * - Some values are printed raw with %ls, without any escaping: snapshot names
 *   and descriptions, CurrentSnapshot*, Forwarding(n), VMStateFile, adapter
 *   and network names, MAC addresses. A snapshot named `say "hi"` prints as
 *   `SnapshotName="say "hi""`.
 * - A few lines are quirks, not key="value": `VRDEClients==0`,
 *   `VideoMode="1024,768,32"@0,0 1`, ` rec_screen0`. They must not derail
 *   the lines after them.
 */

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UUID_ANYWHERE = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;

/** Accepts `uuid` and `{uuid}`; returns the bare lower-case UUID or null. */
export function normalizeUuid(text: string): string | null {
  const bare = text.trim().replace(/^\{(.*)\}$/, '$1');
  return UUID_RE.test(bare) ? bare.toLowerCase() : null;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// ---------------------------------------------------------------------------
// list vms / list runningvms

export interface VBoxVmListEntry {
  name: string;
  id: string;
  /** `list vms` prints `"<inaccessible>" {UUID}` for a VM whose settings cannot be read. */
  accessible: boolean;
}

/**
 * One `"NAME" {UUID}` a line. The name is printed raw, so it may itself hold
 * quotes and braces; the UUID at the end of the line is what anchors the match.
 */
export function parseVmList(text: string): VBoxVmListEntry[] {
  const out: VBoxVmListEntry[] = [];
  for (const line of splitLines(text)) {
    const m = /^"(.*)" \{([0-9a-fA-F-]{36})\}\s*$/.exec(line);
    if (!m) continue;
    const id = normalizeUuid(m[2] ?? '');
    if (!id) continue;
    const name = m[1] ?? '';
    out.push({ name, id, accessible: name !== '<inaccessible>' });
  }
  return out;
}

// ---------------------------------------------------------------------------
// --machinereadable

export interface MachineReadableEntry {
  key: string;
  value: string;
}

/** Keys whose values VBoxManage prints with %ls, unescaped. */
const RAW_KEY =
  /^(?:Snapshot(?:Name|UUID|Description)(?:-\d+)*|CurrentSnapshot(?:Name|UUID|Node)|Forwarding\(\d+\)|VMStateFile|natnet\d+|macaddress\d+|bridgeadapter\d+|hostonlyadapter\d+|hostonly-network\d+|intnet\d+|generic\d+|nat-network\d+|cloud-network\d+)$/;

/** A line that certainly starts a new entry (used to find where a raw multi-line value ends). */
const STRICT_KEY_LINE = /^(?:"(?:[^"\\]|\\.)*"|[A-Za-z][A-Za-z0-9_()-]*)=/;
/** Any line that starts an entry when we are not inside a value. */
const LOOSE_KEY_LINE = /^(?:"((?:[^"\\]|\\.)*)"|([^="\s][^=]*))=(.*)$/;

function unescapeValue(s: string): string {
  return s.replace(/\\(["\\])/g, '$1');
}

/** Positions of the unescaped `"` characters in one line. */
function unescapedQuotes(s: string): number[] {
  const at: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '"') at.push(i);
  }
  return at;
}

/**
 * Parses `--machinereadable` output into entries in printed order. Keys may
 * repeat (`Forwarding(0)` once per NAT adapter), so this is a list, not a map.
 * Lines that are not entries are skipped.
 */
export function parseMachineReadable(text: string): MachineReadableEntry[] {
  const lines = splitLines(text);
  const out: MachineReadableEntry[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const m = LOOSE_KEY_LINE.exec(line);
    if (!m) {
      i++;
      continue;
    }
    const key = m[1] !== undefined ? unescapeValue(m[1]) : (m[2] ?? '');
    const rest = m[3] ?? '';
    if (!rest.startsWith('"')) {
      out.push({ key, value: rest });
      i++;
      continue;
    }
    const first = rest.slice(1);
    const { value, next } = RAW_KEY.test(key) ? readRaw(lines, i, first) : readEscaped(lines, i, first);
    out.push({ key, value });
    i = next;
  }
  return out;
}

/**
 * An escaped value ends at an unescaped `"` at the end of a line. A quote in
 * the middle of the first line with text after it is a quirk line such as
 * `VideoMode="1024,768,32"@0,0 1`: the value ends at the last quote.
 */
function readEscaped(lines: string[], start: number, first: string): { value: string; next: number } {
  const parts: string[] = [];
  for (let j = start; j < lines.length; j++) {
    const body = j === start ? first : (lines[j] ?? '');
    const quotes = unescapedQuotes(body);
    const last = quotes[quotes.length - 1];
    if (last !== undefined) {
      parts.push(body.slice(0, last));
      return { value: unescapeValue(parts.join('\n')), next: j + 1 };
    }
    parts.push(body);
  }
  // Unterminated: keep what there is rather than lose the entry.
  return { value: unescapeValue(parts.join('\n')), next: lines.length };
}

/**
 * A raw value may contain quotes and newlines. It ends at the first line that
 * ends with `"` and is followed by a line that starts a new entry (or by the
 * end of the output). If no line qualifies, the first line ending in `"` wins.
 */
function readRaw(lines: string[], start: number, first: string): { value: string; next: number } {
  const parts: string[] = [];
  let fallback: { value: string; next: number } | null = null;
  for (let j = start; j < lines.length; j++) {
    const body = j === start ? first : (lines[j] ?? '');
    if (body.endsWith('"')) {
      const candidate = { value: [...parts, body.slice(0, -1)].join('\n'), next: j + 1 };
      const following = lines[j + 1];
      if (following === undefined || STRICT_KEY_LINE.test(following)) return candidate;
      fallback ??= candidate;
    }
    parts.push(body);
  }
  return fallback ?? { value: parts.join('\n'), next: lines.length };
}

export function firstValue(entries: readonly MachineReadableEntry[], key: string): string | undefined {
  return entries.find((e) => e.key === key)?.value;
}

// ---------------------------------------------------------------------------
// VM state

/**
 * VBoxManage's short state names (machineStateToName with fShort) mapped to
 * ours. Guru meditation ("gurumeditation") is a frozen VM whose process still
 * runs: like paused, it needs a power off before anything else.
 */
const STATE_MAP: Record<string, VmState> = {
  poweroff: 'stopped',
  teleported: 'stopped',
  saved: 'saved',
  aborted: 'aborted',
  'aborted-saved': 'aborted',
  running: 'running',
  teleporting: 'running',
  livesnapshotting: 'saving',
  onlinesnapshotting: 'saving',
  deletingsnapshotlive: 'running',
  paused: 'paused',
  gurumeditation: 'paused',
  teleportingpausedvm: 'paused',
  deletingsnapshotlivepaused: 'paused',
  starting: 'starting',
  teleportingin: 'starting',
  stopping: 'stopping',
  saving: 'saving',
  snapshotting: 'saving',
  restoring: 'restoring',
  restoringsnapshot: 'restoring',
  deletingsnapshot: 'restoring',
  settingup: 'restoring',
};

export function mapVmState(raw: string | null | undefined): VmState {
  if (!raw) return 'unknown';
  return STATE_MAP[raw] ?? 'unknown';
}

/**
 * States in which VirtualBox lets a snapshot be restored (MutableOrSavedStateDep):
 * no VM process runs. Everything else must be powered off or waited out first.
 */
const OFFLINE_STATES = new Set(['poweroff', 'saved', 'aborted', 'aborted-saved', 'teleported']);

export function isOfflineState(raw: string | null | undefined): boolean {
  return raw !== null && raw !== undefined && OFFLINE_STATES.has(raw);
}

/** States a power off can act on right now (as opposed to transient ones to wait out). */
const POWER_OFFABLE_STATES = new Set(['running', 'paused', 'gurumeditation', 'teleporting', 'teleportingpausedvm']);

export function canPowerOff(raw: string | null | undefined): boolean {
  return raw !== null && raw !== undefined && POWER_OFFABLE_STATES.has(raw);
}

// ---------------------------------------------------------------------------
// NAT port forwards

export interface NatForward {
  /** 1-based adapter number (nic1 ... nic8). */
  nic: number;
  name: string;
  protocol: 'tcp' | 'udp' | 'unk';
  /** Empty means every host interface. */
  hostIp: string;
  hostPort: number;
  guestIp: string;
  guestPort: number;
}

/**
 * `name,proto,hostip,hostport,guestip,guestport`. VBoxManage splits rules on
 * commas when they are set, so only the name could ever hold one; splitting
 * from the right keeps such a name whole.
 */
export function parseForwardingRule(value: string, nic: number): NatForward | null {
  const parts = value.split(',');
  if (parts.length < 6) return null;
  const tail = parts.slice(-5);
  const name = parts.slice(0, -5).join(',');
  const [protocol, hostIp, hostPort, guestIp, guestPort] = tail as [string, string, string, string, string];
  const hp = Number(hostPort);
  const gp = Number(guestPort);
  if (!Number.isInteger(hp) || !Number.isInteger(gp) || hostPort === '' || guestPort === '') return null;
  const proto = protocol === 'tcp' || protocol === 'udp' ? protocol : 'unk';
  return { nic, name, protocol: proto, hostIp, hostPort: hp, guestIp, guestPort: gp };
}

/** Where to connect for a forward: a rule bound to every interface is reached on loopback. */
export function connectAddress(hostIp: string): string {
  if (hostIp === '' || hostIp === '0.0.0.0') return '127.0.0.1';
  if (hostIp === '::' || hostIp === '[::]') return '::1';
  return hostIp;
}

/**
 * The forward that reaches the guest's SSH: TCP to guest port 22 with a usable
 * host port. Among several, the first in adapter order wins, preferring rules
 * bound to loopback or to every interface over ones bound to one LAN address
 * (those are reachable from here too, but loopback is what we ask people to set).
 */
export function pickSshForward(forwards: readonly NatForward[]): SshForward | null {
  const candidates = forwards.filter((f) => f.protocol === 'tcp' && f.guestPort === 22 && f.hostPort > 0 && f.hostPort < 65536);
  const rank = (f: NatForward) => (f.hostIp === '' || f.hostIp === '0.0.0.0' || f.hostIp === '127.0.0.1' || f.hostIp === '::' || f.hostIp === '::1' ? 0 : 1);
  const best = [...candidates].sort((a, b) => rank(a) - rank(b))[0];
  return best ? { host: connectAddress(best.hostIp), port: best.hostPort } : null;
}

// ---------------------------------------------------------------------------
// showvminfo --machinereadable

export interface VBoxNic {
  nic: number;
  /** nat, bridged, hostonly, intnet, natnetwork, generic, null, none (disabled), ... */
  attachment: string;
}

export interface VBoxVmDetails {
  id: string;
  name: string;
  accessible: boolean;
  /** VBoxManage's own state word, e.g. "poweroff"; null for an inaccessible VM. */
  rawState: string | null;
  state: VmState;
  nics: VBoxNic[];
  forwards: NatForward[];
  sshForward: SshForward | null;
  description: string;
}

/** Returns null when the text holds no UUID (not showvminfo output). */
export function parseShowVmInfo(text: string): VBoxVmDetails | null {
  const entries = parseMachineReadable(text);
  const id = normalizeUuid(firstValue(entries, 'UUID') ?? '');
  if (!id) return null;
  const name = firstValue(entries, 'name') ?? '';
  const accessible = name !== '<inaccessible>';
  const rawState = firstValue(entries, 'VMState') ?? null;
  const nics: VBoxNic[] = [];
  const forwards: NatForward[] = [];
  let currentNic = 0;
  for (const e of entries) {
    const nicMatch = /^nic(\d+)$/.exec(e.key);
    if (nicMatch) {
      currentNic = Number(nicMatch[1]);
      nics.push({ nic: currentNic, attachment: e.value });
      continue;
    }
    // Forwarding(n) carries no adapter number: it follows its adapter's nicN line.
    if (/^Forwarding\(\d+\)$/.test(e.key) && currentNic > 0) {
      const rule = parseForwardingRule(e.value, currentNic);
      if (rule) forwards.push(rule);
    }
  }
  return {
    id,
    name,
    accessible,
    rawState,
    state: accessible ? mapVmState(rawState) : 'unknown',
    nics,
    forwards,
    sshForward: pickSshForward(forwards),
    description: firstValue(entries, 'description') ?? '',
  };
}

// ---------------------------------------------------------------------------
// snapshot VM list --machinereadable

/** `snapshot list` prints this on stdout and exits 1 when there is no snapshot. */
export function isNoSnapshotsOutput(stdout: string): boolean {
  return /does not have any snapshots/i.test(stdout);
}

/**
 * Flattens the printed tree. Each snapshot is a group of entries sharing a
 * suffix: `SnapshotName` is the root, `SnapshotName-2` its second child,
 * `SnapshotName-2-1` that one's first child. The parent's suffix is the
 * suffix without its last `-n`. Order is the printed (depth-first) order.
 */
export function parseSnapshotList(text: string): SnapshotList {
  const entries = parseMachineReadable(text);
  const bySuffix = new Map<string, { name?: string; id?: string; description?: string }>();
  const order: string[] = [];
  let currentUuid: string | null = null;
  let currentNode: string | null = null;
  for (const e of entries) {
    const m = /^Snapshot(Name|UUID|Description)((?:-\d+)*)$/.exec(e.key);
    if (m) {
      const suffix = m[2] ?? '';
      let group = bySuffix.get(suffix);
      if (!group) {
        group = {};
        bySuffix.set(suffix, group);
        order.push(suffix);
      }
      if (m[1] === 'Name') group.name = e.value;
      else if (m[1] === 'UUID') group.id = normalizeUuid(e.value) ?? undefined;
      else group.description = e.value;
      continue;
    }
    if (e.key === 'CurrentSnapshotUUID') currentUuid = normalizeUuid(e.value);
    else if (e.key === 'CurrentSnapshotNode') currentNode = e.value;
  }
  const snapshots: Snapshot[] = [];
  for (const suffix of order) {
    const g = bySuffix.get(suffix);
    if (!g?.id) continue;
    const parentSuffix = suffix === '' ? null : suffix.replace(/-\d+$/, '');
    const parentId = parentSuffix === null ? null : (bySuffix.get(parentSuffix)?.id ?? null);
    snapshots.push({ id: g.id, name: g.name ?? '', description: g.description ?? '', parentId });
  }
  let currentId: string | null = null;
  if (currentUuid && snapshots.some((s) => s.id === currentUuid)) currentId = currentUuid;
  else if (currentNode) {
    const suffix = currentNode.replace(/^SnapshotName/, '');
    currentId = bySuffix.get(suffix)?.id ?? null;
  }
  return { snapshots, currentId };
}

// ---------------------------------------------------------------------------
// Other command outputs

/** `Snapshot taken. UUID: U` (the UUID is looked for anywhere, in case the text is translated). */
export function parseSnapshotTaken(stdout: string): string | null {
  const labelled = /UUID:\s*\{?([0-9a-fA-F-]{36})\}?/.exec(stdout);
  if (labelled) return normalizeUuid(labelled[1] ?? '');
  const any = UUID_ANYWHERE.exec(stdout);
  return any ? normalizeUuid(any[0]) : null;
}

/**
 * showProgress writes `0%...10%...` to stderr and `100%` at the end. Returns
 * every percentage in order, so a caller fed growing text emits only new ones.
 */
export function parseProgressPercents(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/(?:^|\.\.\.|\s)(\d{1,3})%(?=\.\.\.|\s|$)/gm)) {
    const n = Number(m[1]);
    if (n <= 100) out.push(n);
  }
  return out;
}

/** startvm may exit 1 although it started the VM; this is the line that says it did. */
export function startvmReportedSuccess(stdout: string): boolean {
  return /^VM ".*" has been successfully started\.\s*$/m.test(stdout);
}

/** `VBoxManage --version`: `7.1.4r165100`, possibly after warning lines. */
export function parseVersion(stdout: string): string | null {
  for (const line of splitLines(stdout)) {
    const m = /^(\d+\.\d+\.\d+\S*)\s*$/.exec(line.trim());
    if (m) return m[1] ?? null;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Errors

export interface VBoxErrorReport {
  /** The `VBoxManage: error:` lines other than Details/Context, in order. */
  messages: string[];
  /** Symbolic result code such as VBOX_E_INVALID_VM_STATE, when printed. */
  code: string | null;
  /** The numeric result such as 0x80bb0002, when printed. */
  hresult: string | null;
  component: string | null;
  /** The API call that failed, e.g. `FindMachine(...)`. */
  context: string | null;
}

const RESULT_CODE = /^(?:VBOX_E_[A-Z_]+|E_[A-Z_]+|NS_ERROR_[A-Z_]+|VERR_[A-Z_]+)$/;

/**
 * GluePrintErrorInfo prints, through RTMsgError (which prefixes every line
 * with `VBoxManage: error: `):
 *   <text>
 *   Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component ..., interface ..., callee ...
 *   Context: "FindMachine(...)" at line N of file VBoxManageInfo.cpp
 * A failed progress adds `Progress state: CODE` (older) or a bare `CODE` line
 * (7.x) right after the percentages.
 */
export function parseVBoxError(stderr: string): VBoxErrorReport {
  const report: VBoxErrorReport = { messages: [], code: null, hresult: null, component: null, context: null };
  for (const raw of splitLines(stderr)) {
    const line = raw.trim();
    // RTMsgError prefixes the program's own name: VBoxManage, VBoxManage.exe, or vboxmanage via a symlink.
    const prefixed = /^[^\s:]+: error: (.*)$/.exec(line);
    const body = prefixed ? (prefixed[1] ?? '').trim() : null;
    if (body !== null) {
      const details = /^Details: code (\S+) \((0x[0-9a-fA-F]+)\)(?:, component ([^,\s]+))?/.exec(body);
      if (details) {
        report.code ??= details[1] ?? null;
        report.hresult ??= details[2] ?? null;
        report.component ??= details[3] ?? null;
        continue;
      }
      const ctx = /^Context: "(.*)" at line \d+ of file \S+$/.exec(body);
      if (ctx) {
        report.context ??= ctx[1] ?? null;
        continue;
      }
      if (body !== '' && body !== '--------') report.messages.push(body);
      continue;
    }
    const progressState = /^(?:Progress state: )?([A-Z][A-Z0-9_]+)$/.exec(line.replace(/^(?:\d{1,3}%\.\.\.)+/, ''));
    if (progressState && RESULT_CODE.test(progressState[1] ?? '')) report.code ??= progressState[1] ?? null;
  }
  return report;
}
