/**
 * The QEMU Machine Protocol on the wire: one JSON object per line (QEMU ends
 * each with CR LF). Four kinds arrive from QEMU:
 *   greeting  {"QMP": {"version": ..., "capabilities": [...]}}
 *   return    {"return": ..., "id": ...}
 *   error     {"error": {"class": ..., "desc": ...}, "id": ...}
 *   event     {"event": "NAME", "data": {...}, "timestamp": {...}}
 * Pure code: the client feeds it socket chunks and acts on what comes out.
 */

export interface QmpGreeting {
  kind: 'greeting';
  version: { qemu: { major: number; minor: number; micro: number }; package: string } | null;
  capabilities: string[];
}
export interface QmpReturn {
  kind: 'return';
  id: string | number | null;
  value: unknown;
}
export interface QmpErrorReply {
  kind: 'error';
  id: string | number | null;
  errorClass: string;
  desc: string;
}
export interface QmpEvent {
  kind: 'event';
  event: string;
  data: Record<string, unknown>;
  /** Seconds since the epoch, as QEMU stamped it. */
  timestamp: number | null;
}
export interface QmpGarbage {
  kind: 'garbage';
  line: string;
  reason: string;
}
export type QmpMessage = QmpGreeting | QmpReturn | QmpErrorReply | QmpEvent | QmpGarbage;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function idOf(o: Record<string, unknown>): string | number | null {
  const id = o.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

export function classifyQmpMessage(value: unknown, line = ''): QmpMessage {
  if (!isObj(value)) return { kind: 'garbage', line, reason: 'not a JSON object' };
  if (isObj(value.QMP)) {
    const q = value.QMP;
    const v = isObj(q.version) ? q.version : undefined;
    const qemu = v && isObj(v.qemu) ? v.qemu : undefined;
    const num = (x: unknown) => (typeof x === 'number' ? x : 0);
    return {
      kind: 'greeting',
      version: qemu ? { qemu: { major: num(qemu.major), minor: num(qemu.minor), micro: num(qemu.micro) }, package: typeof v?.package === 'string' ? v.package : '' } : null,
      capabilities: Array.isArray(q.capabilities) ? q.capabilities.filter((c): c is string => typeof c === 'string') : [],
    };
  }
  if ('return' in value) return { kind: 'return', id: idOf(value), value: value.return };
  if (isObj(value.error)) {
    const e = value.error;
    return {
      kind: 'error',
      id: idOf(value),
      errorClass: typeof e.class === 'string' ? e.class : 'GenericError',
      desc: typeof e.desc === 'string' ? e.desc : 'QEMU reported an error without a description',
    };
  }
  if (typeof value.event === 'string') {
    const ts = isObj(value.timestamp) ? value.timestamp : undefined;
    const secs = ts && typeof ts.seconds === 'number' ? ts.seconds : null;
    const micros = ts && typeof ts.microseconds === 'number' ? ts.microseconds : 0;
    return {
      kind: 'event',
      event: value.event,
      data: isObj(value.data) ? value.data : {},
      timestamp: secs === null ? null : secs + micros / 1e6,
    };
  }
  return { kind: 'garbage', line, reason: 'neither greeting, reply nor event' };
}

/** Splits a byte stream into QMP messages; keeps a partial last line for the next chunk. */
export class QmpLineParser {
  private buf = '';
  /** Guards against a peer that never sends a newline. */
  static readonly MAX_LINE = 64 * 1024 * 1024;

  push(chunk: string): QmpMessage[] {
    this.buf += chunk;
    const out: QmpMessage[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, '').trim();
      this.buf = this.buf.slice(nl + 1);
      if (line === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        out.push({ kind: 'garbage', line, reason: 'not valid JSON' });
        continue;
      }
      out.push(classifyQmpMessage(parsed, line));
    }
    if (this.buf.length > QmpLineParser.MAX_LINE) {
      out.push({ kind: 'garbage', line: this.buf.slice(0, 200), reason: 'line too long' });
      this.buf = '';
    }
    return out;
  }

  /** What is left without a newline (useful to report a truncated stream). */
  pending(): string {
    return this.buf;
  }
}

/** One QMP command as sent: JSON followed by a newline. */
export function encodeQmpCommand(execute: string, args: Record<string, unknown> | undefined, id: string | number): string {
  const msg: Record<string, unknown> = { execute };
  if (args !== undefined) msg.arguments = args;
  msg.id = id;
  return JSON.stringify(msg) + '\n';
}

/** QEMU's run states (qapi/run-state.json) folded into the driver's VmState words. */
export type QemuRunStatus =
  | 'debug'
  | 'finish-migrate'
  | 'inmigrate'
  | 'internal-error'
  | 'io-error'
  | 'paused'
  | 'postmigrate'
  | 'prelaunch'
  | 'restore-vm'
  | 'running'
  | 'save-vm'
  | 'shutdown'
  | 'suspended'
  | 'watchdog'
  | 'guest-panicked'
  | 'colo';

export interface QueryStatus {
  running: boolean;
  status: string;
}

export function parseQueryStatus(value: unknown): QueryStatus {
  if (!isObj(value) || typeof value.status !== 'string') throw new Error('query-status returned no status');
  return { running: value.running === true, status: value.status };
}

export interface QmpJobInfo {
  id: string;
  type: string;
  status: string;
  currentProgress: number;
  totalProgress: number;
  error?: string;
}

export function parseQueryJobs(value: unknown): QmpJobInfo[] {
  if (!Array.isArray(value)) return [];
  const out: QmpJobInfo[] = [];
  for (const j of value) {
    if (!isObj(j) || typeof j.id !== 'string') continue;
    const info: QmpJobInfo = {
      id: j.id,
      type: typeof j.type === 'string' ? j.type : '',
      status: typeof j.status === 'string' ? j.status : '',
      currentProgress: typeof j['current-progress'] === 'number' ? j['current-progress'] : 0,
      totalProgress: typeof j['total-progress'] === 'number' ? j['total-progress'] : 0,
    };
    if (typeof j.error === 'string') info.error = j.error;
    out.push(info);
  }
  return out;
}

/** An internal snapshot as QEMU lists it in query-block / qemu-img info. */
export interface QemuSnapshotInfo {
  /** QEMU's own numeric id, as a string. */
  qemuId: string;
  tag: string;
  vmStateSize: number;
  /** Seconds since the epoch. */
  dateSec: number;
}

function parseSnapshotArray(arr: unknown): QemuSnapshotInfo[] {
  if (!Array.isArray(arr)) return [];
  const out: QemuSnapshotInfo[] = [];
  for (const s of arr) {
    if (!isObj(s) || typeof s.name !== 'string') continue;
    out.push({
      qemuId: typeof s.id === 'string' ? s.id : String(s.id ?? ''),
      tag: s.name,
      vmStateSize: typeof s['vm-state-size'] === 'number' ? s['vm-state-size'] : 0,
      dateSec: typeof s['date-sec'] === 'number' ? s['date-sec'] : 0,
    });
  }
  return out;
}

/** Snapshots of the block device whose qdev id or node name is `device`, from query-block. */
export function snapshotsFromQueryBlock(value: unknown, nodeName: string): QemuSnapshotInfo[] | null {
  if (!Array.isArray(value)) return null;
  for (const dev of value) {
    if (!isObj(dev) || !isObj(dev.inserted)) continue;
    const ins = dev.inserted;
    if (ins['node-name'] !== nodeName) continue;
    return isObj(ins.image) ? parseSnapshotArray(ins.image.snapshots) : [];
  }
  return null;
}

/** Snapshots from `qemu-img info --output=json` (the disk of a stopped VM). */
export function snapshotsFromImageInfo(value: unknown): QemuSnapshotInfo[] {
  return isObj(value) ? parseSnapshotArray(value.snapshots) : [];
}
