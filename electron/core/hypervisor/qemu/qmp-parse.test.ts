import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifyQmpMessage,
  encodeQmpCommand,
  parseQueryJobs,
  parseQueryStatus,
  QmpLineParser,
  snapshotsFromImageInfo,
  snapshotsFromQueryBlock,
  type QmpMessage,
} from './qmp-parse';

/** The bytes QEMU sent in a real session (see fixtures/README.md). */
function recordedFromQemu(): string {
  const log = readFileSync(join(__dirname, 'fixtures', 'qmp-snapshot-session.log'), 'utf8');
  return log
    .split('\n')
    .filter((l) => l.startsWith('<<< '))
    .map((l) => JSON.parse(l.slice(4)) as string)
    .join('');
}

function parseAll(text: string, chunk: number): QmpMessage[] {
  const p = new QmpLineParser();
  const out: QmpMessage[] = [];
  for (let i = 0; i < text.length; i += chunk) out.push(...p.push(text.slice(i, i + chunk)));
  expect(p.pending()).toBe('');
  return out;
}

describe('QmpLineParser on a recorded QEMU 7.2 session', () => {
  const bytes = recordedFromQemu();

  it('gives the same messages whatever the chunking', () => {
    const whole = parseAll(bytes, bytes.length);
    expect(parseAll(bytes, 1)).toEqual(whole);
    expect(parseAll(bytes, 7)).toEqual(whole);
    expect(whole.some((m) => m.kind === 'garbage')).toBe(false);
  });

  it('reads the greeting with the QEMU version', () => {
    const [first] = parseAll(bytes, 4096);
    expect(first).toEqual({
      kind: 'greeting',
      version: { qemu: { major: 7, minor: 2, micro: 22 }, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' },
      capabilities: ['oob'],
    });
  });

  it('shows the save job in order: created, running, STOP, RESUME, return, waiting, pending, concluded, null', () => {
    const msgs = parseAll(bytes, 4096);
    const trail = msgs
      .filter((m) => (m.kind === 'event' && (m.event !== 'JOB_STATUS_CHANGE' || m.data.id === 'rec-save')) || (m.kind === 'return' && m.id === 3))
      .slice(0, 9)
      .map((m) => (m.kind === 'event' ? (m.event === 'JOB_STATUS_CHANGE' ? String(m.data.status) : m.event) : 'return'));
    expect(trail).toEqual(['created', 'running', 'STOP', 'RESUME', 'return', 'waiting', 'pending', 'concluded', 'null']);
  });

  it('stamps events with QEMU time', () => {
    const ev = parseAll(bytes, 4096).find((m) => m.kind === 'event');
    expect(ev).toMatchObject({ kind: 'event', event: 'JOB_STATUS_CHANGE', data: { status: 'created', id: 'rec-save' }, timestamp: 1795932658.398254 });
  });

  it('finds the failed load job error only in query-jobs', () => {
    const msgs = parseAll(bytes, 4096);
    const jobsReply = msgs.find((m) => m.kind === 'return' && m.id === 8);
    expect(jobsReply && jobsReply.kind === 'return' && parseQueryJobs(jobsReply.value)).toEqual([
      { id: 'rec-load', type: 'snapshot-load', status: 'concluded', currentProgress: 1, totalProgress: 1, error: "Snapshot 'nope' does not exist in one or more devices" },
    ]);
    const ok = msgs.find((m) => m.kind === 'return' && m.id === 11);
    expect(ok && ok.kind === 'return' && parseQueryJobs(ok.value)[0]?.error).toBeUndefined();
  });

  it('reads the run state QEMU leaves after a failed load: stopped in restore-vm', () => {
    const st = parseAll(bytes, 4096).find((m) => m.kind === 'return' && m.id === 13);
    expect(st && st.kind === 'return' && parseQueryStatus(st.value)).toEqual({ running: false, status: 'restore-vm' });
  });

  it('lists the internal snapshot of node disk0 from query-block', () => {
    const qb = parseAll(bytes, 4096).find((m) => m.kind === 'return' && m.id === 6);
    expect(qb && qb.kind === 'return' && snapshotsFromQueryBlock(qb.value, 'disk0')).toEqual([{ qemuId: '1', tag: 'rec1', vmStateSize: 223027210, dateSec: 1795932658 }]);
    expect(qb && qb.kind === 'return' && snapshotsFromQueryBlock(qb.value, 'other')).toBeNull();
  });

  it('reads an error reply with its class', () => {
    const err = parseAll(bytes, 4096).find((m) => m.kind === 'error');
    expect(err).toEqual({ kind: 'error', id: 17, errorClass: 'CommandNotFound', desc: 'The command no-such-command has not been found' });
  });
});

describe('classifyQmpMessage and helpers', () => {
  it('marks lines that are not QMP as garbage instead of throwing', () => {
    const p = new QmpLineParser();
    expect(p.push('not json\r\n[1,2]\r\n{"foo":1}\r\n')).toEqual([
      { kind: 'garbage', line: 'not json', reason: 'not valid JSON' },
      { kind: 'garbage', line: '[1,2]', reason: 'not a JSON object' },
      { kind: 'garbage', line: '{"foo":1}', reason: 'neither greeting, reply nor event' },
    ]);
  });

  it('keeps a partial line for the next chunk', () => {
    const p = new QmpLineParser();
    expect(p.push('{"return": {}, "i')).toEqual([]);
    expect(p.pending()).toBe('{"return": {}, "i');
    expect(p.push('d": 4}\r\n')).toEqual([{ kind: 'return', id: 4, value: {} }]);
  });

  it('treats a return without id as unmatched', () => {
    expect(classifyQmpMessage({ return: {} })).toEqual({ kind: 'return', id: null, value: {} });
  });

  it('encodes a command as one JSON line', () => {
    expect(encodeQmpCommand('snapshot-save', { 'job-id': 'j', tag: "it's \"x\"\n", vmstate: 'disk0', devices: ['disk0'] }, 3)).toBe(
      '{"execute":"snapshot-save","arguments":{"job-id":"j","tag":"it\'s \\"x\\"\\n","vmstate":"disk0","devices":["disk0"]},"id":3}\n',
    );
    expect(encodeQmpCommand('query-status', undefined, 1)).toBe('{"execute":"query-status","id":1}\n');
  });

  it('reads snapshots from qemu-img info --output=json', () => {
    const info = {
      'virtual-size': 6442450944,
      filename: 'disk.qcow2',
      format: 'qcow2',
      snapshots: [
        { 'icount': 0, 'vm-clock-nsec': 0, name: 'hl-a', 'date-sec': 1795932658, 'date-nsec': 1, 'vm-clock-sec': 0, id: '1', 'vm-state-size': 0 },
        { 'vm-clock-nsec': 948851834, name: 'hl-b', 'date-sec': 1795932700, 'date-nsec': 2, 'vm-clock-sec': 270, id: '2', 'vm-state-size': 223027210 },
      ],
    };
    expect(snapshotsFromImageInfo(info)).toEqual([
      { qemuId: '1', tag: 'hl-a', vmStateSize: 0, dateSec: 1795932658 },
      { qemuId: '2', tag: 'hl-b', vmStateSize: 223027210, dateSec: 1795932700 },
    ]);
    expect(snapshotsFromImageInfo({ format: 'qcow2' })).toEqual([]);
  });
});
