import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHardenLabError } from '../../errors';
import { QmpClient, QmpCommandError, QmpConnectionError, withQmp } from './qmp-client';
import { runJob, saveLive } from './snapshot-ops';

/**
 * A QMP peer on a real unix socket that answers like QEMU 7.2 did in the
 * recorded session (fixtures/qmp-snapshot-session.log): same greeting, same
 * reply and event shapes, same ordering quirks (the snapshot-save reply comes
 * after STOP/RESUME, the job's error is only in query-jobs).
 */
const GREETING = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}\r\n';
const ts = '"timestamp": {"seconds": 1795932658, "microseconds": 398254}';
const jobEvent = (id: string, status: string) => `{${ts}, "event": "JOB_STATUS_CHANGE", "data": {"status": "${status}", "id": "${id}"}}\r\n`;

type Handler = (cmd: { execute: string; arguments?: Record<string, unknown>; id: unknown }, send: (s: string) => void, sock: Socket) => void;

let dir: string;
let server: Server | undefined;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hl-qmp-'));
  path = join(dir, 'qmp.sock');
});
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function fakeQemu(handler: Handler, opts: { greet?: boolean } = {}): Promise<void> {
  server = createServer((sock) => {
    sock.setEncoding('utf8');
    const send = (s: string) => sock.write(s);
    if (opts.greet !== false) send(GREETING);
    let buf = '';
    sock.on('data', (c: string) => {
      buf += c;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const cmd = JSON.parse(line) as { execute: string; arguments?: Record<string, unknown>; id: unknown };
        if (cmd.execute === 'qmp_capabilities') send(`{"return": {}, "id": ${JSON.stringify(cmd.id)}}\r\n`);
        else handler(cmd, send, sock);
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((r) => server!.listen(path, () => r()));
}

const ret = (id: unknown, value: unknown) => `${JSON.stringify({ return: value, id })}\r\n`;

describe('QmpClient', () => {
  it('negotiates capabilities and matches replies by id, not by order, with events in between', async () => {
    const held: { id: unknown }[] = [];
    await fakeQemu((cmd, send) => {
      if (cmd.execute === 'slow') held.push(cmd);
      if (cmd.execute === 'fast') {
        send(`{${ts}, "event": "STOP"}\r\n`);
        send(ret(cmd.id, 'fast-result'));
        send(ret(held[0]!.id, 'slow-result'));
      }
    });
    const q = await QmpClient.connect(path);
    expect(q.greeting.version?.qemu).toEqual({ major: 7, minor: 2, micro: 22 });
    const events: string[] = [];
    q.onEvent((e) => events.push(e.event));
    const slow = q.execute('slow');
    await new Promise((r) => setTimeout(r, 20));
    const fast = q.execute('fast');
    expect(await Promise.all([slow, fast])).toEqual(['slow-result', 'fast-result']);
    expect(events).toEqual(['STOP']);
    q.close();
  });

  it('turns an error reply into QmpCommandError with QEMU class and text', async () => {
    await fakeQemu((cmd, send) => send(`{"id": ${JSON.stringify(cmd.id)}, "error": {"class": "CommandNotFound", "desc": "The command no-such-command has not been found"}}\r\n`));
    const err = await withQmp(path, (q) => q.execute('no-such-command')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpCommandError);
    expect(err).toMatchObject({ errorClass: 'CommandNotFound', command: 'no-such-command', message: 'The command no-such-command has not been found' });
  });

  it('rejects pending commands and event waiters when QEMU goes away', async () => {
    await fakeQemu((_cmd, _send, sock) => setTimeout(() => sock.destroy(), 20));
    const q = await QmpClient.connect(path);
    const waiter = q.waitForEvent(() => true, 10_000);
    const err = await q.execute('quit').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpConnectionError);
    expect((err as QmpConnectionError).reason).toBe('closed');
    await expect(waiter.promise).rejects.toBeInstanceOf(QmpConnectionError);
    expect(q.closed).toBe(true);
    await expect(q.execute('query-status')).rejects.toBeInstanceOf(QmpConnectionError);
  });

  it('times out a command that gets no reply', async () => {
    await fakeQemu(() => {});
    const err = await withQmp(path, (q) => q.execute('query-status', undefined, { timeoutMs: 100 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'timeout' });
  });

  it('gives up on a socket that never greets (another client holds the monitor)', async () => {
    await fakeQemu(() => {}, { greet: false });
    const err = await QmpClient.connect(path, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'timeout' });
  });

  it('reports a missing socket as a connect failure', async () => {
    const err = await QmpClient.connect(join(dir, 'nothing.sock'), { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'connect' });
  });

  it('resolves an event waiter created before the command, even when the event beats the reply', async () => {
    await fakeQemu((cmd, send) => {
      send(`{${ts}, "event": "RESUME"}\r\n`);
      send(ret(cmd.id, {}));
    });
    const q = await QmpClient.connect(path);
    const w = q.waitForEvent((e) => e.event === 'RESUME', 2000);
    await q.execute('cont');
    await expect(w.promise).resolves.toMatchObject({ event: 'RESUME' });
    q.close();
  });
});

describe('runJob (snapshot jobs)', () => {
  /** Replays the job life cycle as QEMU 7.2 did; `error` makes it fail like the recorded load of a missing tag. */
  function jobServer(error?: string): { dismissed: string[]; commands: string[] } {
    const seen = { dismissed: [] as string[], commands: [] as string[] };
    let jobId = '';
    void fakeQemu((cmd, send) => {
      seen.commands.push(cmd.execute);
      if (cmd.execute === 'snapshot-save' || cmd.execute === 'snapshot-load') {
        jobId = String(cmd.arguments?.['job-id']);
        send(jobEvent(jobId, 'created'));
        send(jobEvent(jobId, 'running'));
        send(`{${ts}, "event": "STOP"}\r\n`);
        if (error) {
          send(ret(cmd.id, {}));
          send(jobEvent(jobId, 'aborting'));
          send(jobEvent(jobId, 'concluded'));
        } else {
          send(`{${ts}, "event": "RESUME"}\r\n`);
          send(ret(cmd.id, {}));
          send(jobEvent(jobId, 'waiting'));
          send(jobEvent(jobId, 'pending'));
          send(jobEvent(jobId, 'concluded'));
        }
      } else if (cmd.execute === 'query-jobs') {
        const job: Record<string, unknown> = { 'current-progress': 1, status: 'concluded', 'total-progress': 1, type: 'snapshot-save', id: jobId };
        if (error) job.error = error;
        send(ret(cmd.id, [job]));
      } else if (cmd.execute === 'job-dismiss') {
        seen.dismissed.push(String(cmd.arguments?.id));
        send(jobEvent(jobId, 'null'));
        send(ret(cmd.id, {}));
      }
    });
    return seen;
  }

  it('follows a job to its end, then dismisses it', async () => {
    const seen = jobServer();
    await new Promise((r) => setTimeout(r, 20));
    const out = await withQmp(path, (q) => runJob(q, 'snapshot-save', { tag: 't', vmstate: 'disk0', devices: ['disk0'] }, 'save snapshot t', 5000));
    expect(out.seconds).toBeGreaterThanOrEqual(0);
    expect(seen.commands).toEqual(['snapshot-save', 'query-jobs', 'job-dismiss']);
    expect(seen.dismissed).toHaveLength(1);
    expect(seen.dismissed[0]).toMatch(/^hardenlab-snapshot-save-/);
  });

  it("surfaces the job's error from query-jobs and still dismisses it", async () => {
    const seen = jobServer("Snapshot 'nope' does not exist in one or more devices");
    await new Promise((r) => setTimeout(r, 20));
    const err = await withQmp(path, (q) => runJob(q, 'snapshot-load', { tag: 'nope', vmstate: 'disk0', devices: ['disk0'] }, 'load snapshot nope', 5000)).catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.code).toBe('DRIVER_FAILED');
    expect((err as Error).message).toBe("QEMU could not load snapshot nope: Snapshot 'nope' does not exist in one or more devices");
    expect(seen.dismissed).toHaveLength(1);
  });
});

describe('QEMU without snapshot jobs (before 6.0): HMP savevm through human-monitor-command', () => {
  function oldQemu(hmpReply: string): string[] {
    const lines: string[] = [];
    void fakeQemu((cmd, send) => {
      if (cmd.execute === 'human-monitor-command') {
        lines.push(String(cmd.arguments?.['command-line']));
        send(ret(cmd.id, hmpReply));
      } else {
        send(`{"id": ${JSON.stringify(cmd.id)}, "error": {"class": "CommandNotFound", "desc": "The command ${cmd.execute} has not been found"}}\r\n`);
      }
    });
    return lines;
  }

  it('falls back to savevm when snapshot-save does not exist', async () => {
    const lines = oldQemu('');
    await new Promise((r) => setTimeout(r, 20));
    await withQmp(path, (q) => saveLive(q, 'hl-abc-123', 'disk0'));
    expect(lines).toEqual(['savevm hl-abc-123']);
  });

  it("reports HMP's error text", async () => {
    oldQemu("Error: Device 'pflash0' is writable but does not support snapshots\r\n");
    await new Promise((r) => setTimeout(r, 20));
    const err = await withQmp(path, (q) => saveLive(q, 'hl-abc-123', 'disk0')).catch((e: unknown) => e);
    expect(isHardenLabError(err) && err.code).toBe('DRIVER_FAILED');
    expect((err as Error).message).toBe("QEMU could not save snapshot hl-abc-123: Error: Device 'pflash0' is writable but does not support snapshots");
  });

  it('never sends a tag HMP would split', async () => {
    const lines = oldQemu('');
    await new Promise((r) => setTimeout(r, 20));
    await expect(withQmp(path, (q) => saveLive(q, 'two words', 'disk0'))).rejects.toThrow(/cannot take the tag/);
    expect(lines).toEqual([]);
  });
});
